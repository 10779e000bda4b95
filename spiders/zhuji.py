from crawler.platforms.hanweb import HanwebSpider


class ZhujiSpider(HanwebSpider):
    name = "zhuji"
