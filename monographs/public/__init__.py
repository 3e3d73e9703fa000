"""Everything a reader's request touches: published monographs only, constant queries per page.

`monograph` serves the monograph page from the article that `article` assembled when its
revision was approved; `directory` the listings, `changes` the public change log, `search`,
`api`, `feeds`, `sitemaps` and `crawlers` the rest. `page_cache` caches whole pages until the
next publication, `chrome` is base.html's header and footer rendered once, `compiled_query`
holds read queries compiled to SQL once per process, and `links` builds URLs between pages.
"""
