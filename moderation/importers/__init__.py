"""Moving in and out: comments imported from WordPress, Disqus and Isso, and a site
exported to (and imported from) our own JSON. One module per source parses its files
into records (records.py); storing.py stores them; commands.py is the CLI."""
