from crawler.platforms.yuanlue import YuanlueSpider


class YanpingSpider(YuanlueSpider):
    name = "yanping"
    start_urls = ["https://www.ypzf.gov.cn/cms/html/npsypqrmzf/zfxxgknb/index.html"]
