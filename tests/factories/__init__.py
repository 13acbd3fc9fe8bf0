"""Factories for tests, one module per room of the pathway: request bodies, and patients taken
along the pathway through the JSON API. Rows for in-process tests come from sclero.demo.factories,
the implementation the demo generator shares."""
