from crawler.platforms.trs import TrsSpider
from crawler.urls import TwinRules


class ChangshouSpider(TrsSpider):
    name = "changshou"
    twins = TwinRules(host_aliases={"cqcs.gov.cn": "www.cqcs.gov.cn"}, path_rewrites=((r"_wap(\.s?html?)$", r"\1"),))
