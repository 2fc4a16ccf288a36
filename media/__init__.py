"""Media for people: QR codes, badge images, credentials baked into PNG and SVG (pure)."""
