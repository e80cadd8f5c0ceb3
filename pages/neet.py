"""Topic page: neet (layout and callback come from the shared topic-page factory)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import TOPICS

dash.register_page(__name__, path="/neet", name=TOPICS["neet"][0], order=3,
                   title=f"{TOPICS['neet'][0]} - Partner Data Pack",
                   description=f"{TOPICS['neet'][0]} for each district, with comparisons.")

layout = make_topic_page("neet")
