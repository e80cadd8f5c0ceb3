"""The vocabulary the pipeline and the dashboard share: the indicator catalogue, period labels and area
levels. Neither side owns it; both import it. Facts live in data files beside the modules."""
