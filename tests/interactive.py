"""Reach a chart as a reader does, so plotly.js loads and draws it (pages send it only on interaction)."""
from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def draw_chart(driver, graph: str, timeout: float = 15):
    """Wait for React's page, move the pointer over the chart ``graph`` (a CSS selector of its dcc.Graph),
    then wait for plotly.js to draw it; returns the graph element."""
    wait = WebDriverWait(driver, timeout)
    wait.until(expected_conditions.presence_of_element_located(
        (By.CSS_SELECTOR, f"#react-entry-point:not(.pdp-pending) {graph}")))
    element = driver.find_element(By.CSS_SELECTOR, f"#react-entry-point {graph}")
    y = driver.execute_script("var y = window.scrollY; arguments[0].scrollIntoView({block: 'center', behavior: 'instant'}); return y",
                              element)
    ActionChains(driver).move_to_element(element).perform()
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, f"{graph} .main-svg")))
    driver.execute_script("window.scrollTo({top: arguments[0], behavior: 'instant'})", y)  # back where the page was
    return element
