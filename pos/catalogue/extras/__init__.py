"""Around the public catalogue: the floor plan with each booth's place, the QR posters
printed for the hall, and the page views each booth and product draws."""
