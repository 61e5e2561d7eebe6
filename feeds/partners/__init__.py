"""Feeds for news platforms (Flipboard, SmartNews, MSN) and the report of what each, and
Google News (which reads the news sitemap, not a feed), would reject.

`platforms` is the table of what each platform asks for (read by the settings, the URL
table, the renderers and the readiness report); `config` reads site.yaml's `partners`
block; one module per platform renders its feed (`render` picks it); `readiness` tells
editors which articles a platform would reject or show badly. Kept free of imports here,
so that urls.py and meta.py can read the table without loading the renderers.
"""
