from crawler.platforms.hanweb import HanwebSpider


class ZhujiSpider(HanwebSpider):
    name = "zhuji"
    start_urls = ["https://www.zhuji.gov.cn/col/col1229426/index.html"]
