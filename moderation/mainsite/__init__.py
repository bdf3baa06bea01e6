"""What the main site reads and receives: comment pages and their cache, counts, the
submissions API and feed, and webhooks to its CMS."""
