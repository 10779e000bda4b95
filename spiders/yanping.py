from crawler.platforms.yuanlue import YuanlueSpider


class YanpingSpider(YuanlueSpider):
    name = "yanping"
