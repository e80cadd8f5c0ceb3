"""Topic page: apprenticeships (layout and callback come from the shared topic-page factory)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import TOPICS

dash.register_page(__name__, path="/apprenticeships", name=TOPICS["apprenticeships"][0], order=5,
                   title=f"{TOPICS['apprenticeships'][0]} - Partner Data Pack",
                   description=f"{TOPICS['apprenticeships'][0]} for each district, with comparisons.")

layout = make_topic_page("apprenticeships")
