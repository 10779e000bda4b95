"""One base spider per site platform; a portal on a known platform is a short declaration.

- `trs.TrsSpider`: TRS WCM (Chongqing's municipal cluster: Changshou).
- `hanweb.HanwebSpider`: Hanweb (大汉) jcms with its datastore lists and dataproxy.jsp (Zhuji).
- `guangdong.GuangdongSpider`: Guangdong's NFCMS columns and gkmlpt catalogues (Dongguan).
- `yuanlue.YuanlueSpider`: Fujian Yuanlue CMS disclosure tables (Yanping).
- `lincang.LincangSpider`: the Lincang city site cluster, JavaScript-built year pages (Linxiang).
- `anhui.AnhuiSpider`: Anhui's provincial site cluster, its annual-report module and `/public/` catalogue.
"""

from .anhui import AnhuiSpider
from .guangdong import GuangdongSpider
from .hanweb import HanwebSpider
from .lincang import LincangSpider
from .trs import TrsSpider
from .yuanlue import YuanlueSpider

#: The base spider of each platform the registry names.
BASES = {
    "anhui": AnhuiSpider, "guangdong": GuangdongSpider, "hanweb": HanwebSpider, "lincang": LincangSpider, "trs": TrsSpider,
    "yuanlue": YuanlueSpider,
}
