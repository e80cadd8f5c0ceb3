"""Reach a chart as a reader does, so plotly.js loads and draws it (pages send it only on interaction)."""
from __future__ import annotations

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def draw_chart(driver, graph: str, timeout: float = 15):
    """Wait for React's page, move the pointer over the chart ``graph`` (a CSS selector of its dcc.Graph)
    until plotly.js has drawn it (React may replace the element meanwhile); returns the graph element."""
    start_y = driver.execute_script("return window.scrollY")

    def drawn(d):
        try:
            element = d.find_element(By.CSS_SELECTOR, f"#react-entry-point:not(.pdp-pending) {graph}")
            if element.find_elements(By.CSS_SELECTOR, ".main-svg"):
                return element
            d.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
            ActionChains(d).move_to_element(element).perform()
        except (NoSuchElementException, StaleElementReferenceException):
            pass
        return False

    element = WebDriverWait(driver, timeout, poll_frequency=0.2).until(drawn)
    driver.execute_script("window.scrollTo({top: arguments[0], behavior: 'instant'})", start_y)  # as it was
    return element
