from crawler.platforms.lincang import LincangSpider


class LinxiangSpider(LincangSpider):
    name = "linxiang"
