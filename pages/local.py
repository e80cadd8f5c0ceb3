"""Topic page: local indicators (the Hub's own series declared beside their CSV in data/raw)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import LOCAL_TOPIC, TOPICS

dash.register_page(__name__, path="/local", name=TOPICS[LOCAL_TOPIC][0], order=5.5,
                   title=f"{TOPICS[LOCAL_TOPIC][0]} - Partner Data Pack",
                   description="The Hub's own indicators for each district, with comparisons.")

layout = make_topic_page(LOCAL_TOPIC)
