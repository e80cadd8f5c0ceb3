"""Topic page: furlough (layout and callback come from the shared topic-page factory)."""
import dash

from components.topic_page import make_topic_page
from vocab.catalogue import TOPICS

dash.register_page(__name__, path="/furlough", name=TOPICS["furlough"][0], order=2,
                   title=f"{TOPICS['furlough'][0]} - Partner Data Pack",
                   description=f"{TOPICS['furlough'][0]} for each district, with comparisons.")

layout = make_topic_page("furlough")
