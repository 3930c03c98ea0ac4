"""`mlstack chat --web`: the bot in a local web page (server, reply model, static page)."""
