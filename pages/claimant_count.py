"""Topic page: claimant-count (layout and callback come from the shared topic-page factory)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import TOPICS

dash.register_page(__name__, path="/claimant-count", name=TOPICS["claimant-count"][0], order=1,
                   title=f"{TOPICS['claimant-count'][0]} - Partner Data Pack",
                   description=f"{TOPICS['claimant-count'][0]} for each district, with comparisons.")

layout = make_topic_page("claimant-count")
