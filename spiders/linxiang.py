from crawler.platforms.lincang import LincangSpider


class LinxiangSpider(LincangSpider):
    name = "linxiang"
    start_urls = ["https://www.ynlx.gov.cn/zfxxgk_lxq/index.html"]
