from crawler.platforms.guangdong import GuangdongSpider


class DongguanSpider(GuangdongSpider):
    name = "dongguan"
    start_urls = ["https://www.dg.gov.cn/zwgk/zfxxgkml/index.html"]
