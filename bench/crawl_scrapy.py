#!/usr/bin/python3
"""crawl_scrapy.py - the Scrapy baseline of bench/crawl.sh: the same crawl as clearset's,
done by Scrapy (Debian's python3-scrapy) with its stock politeness.

  crawl_scrapy.py SEED_FILE CONCURRENCY DELAY_SECONDS

Starts from every URL of SEED_FILE (one a line) and follows, on the same host and
port only, every <a href> and <img src> of each HTML page, as clearset's crawler does
on the bench's site; images are downloaded and dropped. robots.txt is obeyed
(ROBOTSTXT_OBEY, so Scrapy asks for it first as clearset does), at most CONCURRENCY
requests at once and one per host (CONCURRENT_REQUESTS_PER_DOMAIN = 1, each bench host
is its own address), DOWNLOAD_DELAY = DELAY_SECONDS with Scrapy's default randomisation
(0.5x-1.5x). Nothing is stored; bench/crawl.sh reads timing and gaps from the fixture
server's log.
"""
import sys
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess


class BenchSpider(scrapy.Spider):
    name = "bench"

    def __init__(self, seeds, **kwargs):
        super().__init__(**kwargs)
        self.start_urls = seeds

    def parse(self, response):
        if not isinstance(response, scrapy.http.TextResponse):
            return  # an image: fetched, nothing to follow
        here = urlsplit(response.url).netloc
        for link in response.css("a::attr(href), img::attr(src)").getall():
            url = urljoin(response.url, link)
            if urlsplit(url).netloc == here:
                yield scrapy.Request(url, callback=self.parse)


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    with open(argv[1]) as f:
        seeds = [line.strip() for line in f if line.strip()]
    process = CrawlerProcess(settings={
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": int(argv[2]),
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_DELAY": float(argv[3]),
        "LOG_LEVEL": "ERROR",
        "TELNETCONSOLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "USER_AGENT": "scrapy-bench",
    })
    process.crawl(BenchSpider, seeds=seeds)
    process.start()


if __name__ == "__main__":
    main(sys.argv)
