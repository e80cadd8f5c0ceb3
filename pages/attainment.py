"""Topic page: attainment (layout and callback come from the shared topic-page factory)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import TOPICS

dash.register_page(__name__, path="/attainment", name=TOPICS["attainment"][0], order=4,
                   title=f"{TOPICS['attainment'][0]} - Partner Data Pack",
                   description=f"{TOPICS['attainment'][0]} for each district, with comparisons.")

layout = make_topic_page("attainment")
