from crawler.platforms.guangdong import GuangdongSpider


class DongguanSpider(GuangdongSpider):
    name = "dongguan"
