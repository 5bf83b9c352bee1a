"""The demo county's fixed vocabulary: place names, departments, and the category table.

The category table follows the structure of the national standards for digital urban
management (GB/T 30428.2: 部件 facilities and 事件 incidents, each 大类 → 小类 with a
responsible department and a time limit) plus the dispute (矛盾纠纷) types a grid centre
mediates. Time limits are typical of published local tables, not any one city's.
"""

from __future__ import annotations

from data.schema import DISPUTE, FACILITY, HOURS, INCIDENT, WORKING_DAYS

#: code, name of the departments cases are dispatched to.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("CGJ", "县城市管理局"),
    ("ZJJ", "县住房和城乡建设局"),
    ("JTJ", "县交通运输局"),
    ("HBJ", "市生态环境局县分局"),
    ("SCJ", "县市场监督管理局"),
    ("SWJ", "县水务局"),
    ("ZRJ", "县自然资源局"),
    ("GAJ", "县公安局"),
    ("YJJ", "县应急管理局"),
    ("GDGS", "县供电公司"),
    ("RQGS", "县燃气公司"),
    ("TXGS", "县通信运营商"),
    ("YLZX", "县园林绿化中心"),
    ("SFJ", "县司法局"),
    ("RSJ", "县人力资源和社会保障局"),
    ("XZ", "属地乡镇街道"),
)

# code, class, 大类, 小类, department, limit, unit, weight (relative frequency within class)
CATEGORIES: tuple[tuple[str, str, str, str, str, float, str, float], ...] = (
    # 部件 facilities --------------------------------------------------------------------
    ("0101", FACILITY, "公用设施", "上水井盖", "SWJ", 2, WORKING_DAYS, 3),
    ("0102", FACILITY, "公用设施", "污水井盖", "SWJ", 2, WORKING_DAYS, 4),
    ("0103", FACILITY, "公用设施", "雨水箅子", "SWJ", 2, WORKING_DAYS, 4),
    ("0104", FACILITY, "公用设施", "电力井盖", "GDGS", 2, WORKING_DAYS, 2),
    ("0105", FACILITY, "公用设施", "通信井盖", "TXGS", 3, WORKING_DAYS, 2),
    ("0106", FACILITY, "公用设施", "燃气井盖", "RQGS", 4, HOURS, 1),
    ("0107", FACILITY, "公用设施", "消防栓", "YJJ", 2, WORKING_DAYS, 1),
    ("0108", FACILITY, "公用设施", "路灯", "CGJ", 3, WORKING_DAYS, 8),
    ("0109", FACILITY, "公用设施", "通信交接箱", "TXGS", 5, WORKING_DAYS, 1),
    ("0201", FACILITY, "道路交通", "交通信号灯", "GAJ", 24, HOURS, 2),
    ("0202", FACILITY, "道路交通", "交通标志牌", "JTJ", 5, WORKING_DAYS, 3),
    ("0203", FACILITY, "道路交通", "道路护栏", "JTJ", 3, WORKING_DAYS, 4),
    ("0204", FACILITY, "道路交通", "公交站亭", "JTJ", 5, WORKING_DAYS, 2),
    ("0205", FACILITY, "道路交通", "路名牌", "ZRJ", 5, WORKING_DAYS, 1),
    ("0206", FACILITY, "道路交通", "人行道破损", "ZJJ", 5, WORKING_DAYS, 6),
    ("0301", FACILITY, "市容环境", "公共厕所", "CGJ", 2, WORKING_DAYS, 2),
    ("0302", FACILITY, "市容环境", "垃圾箱", "CGJ", 2, WORKING_DAYS, 6),
    ("0303", FACILITY, "市容环境", "广告牌匾", "CGJ", 3, WORKING_DAYS, 3),
    ("0401", FACILITY, "园林绿化", "行道树", "YLZX", 3, WORKING_DAYS, 4),
    ("0402", FACILITY, "园林绿化", "绿地护栏", "YLZX", 3, WORKING_DAYS, 2),
    ("0403", FACILITY, "园林绿化", "古树名木", "YLZX", 2, WORKING_DAYS, 1),
    # 事件 incidents ---------------------------------------------------------------------
    ("1101", INCIDENT, "市容环境", "暴露垃圾", "CGJ", 2, HOURS, 14),
    ("1102", INCIDENT, "市容环境", "积存垃圾渣土", "CGJ", 1, WORKING_DAYS, 6),
    ("1103", INCIDENT, "市容环境", "道路不洁", "CGJ", 2, HOURS, 8),
    ("1104", INCIDENT, "市容环境", "水域不洁", "SWJ", 2, WORKING_DAYS, 1),
    ("1105", INCIDENT, "市容环境", "绿地脏乱", "YLZX", 1, WORKING_DAYS, 3),
    ("1106", INCIDENT, "市容环境", "焚烧垃圾树叶", "HBJ", 2, HOURS, 2),
    ("1201", INCIDENT, "宣传广告", "非法小广告", "CGJ", 1, WORKING_DAYS, 9),
    ("1202", INCIDENT, "宣传广告", "违规户外广告", "CGJ", 3, WORKING_DAYS, 2),
    ("1301", INCIDENT, "施工管理", "施工扰民", "ZJJ", 4, HOURS, 3),
    ("1302", INCIDENT, "施工管理", "工地扬尘", "HBJ", 1, WORKING_DAYS, 3),
    ("1303", INCIDENT, "施工管理", "道路遗撒", "CGJ", 4, HOURS, 2),
    ("1304", INCIDENT, "施工管理", "违法建设", "ZRJ", 5, WORKING_DAYS, 3),
    ("1401", INCIDENT, "突发事件", "路面塌陷", "ZJJ", 2, HOURS, 1),
    ("1402", INCIDENT, "突发事件", "自来水管破裂", "SWJ", 2, HOURS, 1),
    ("1403", INCIDENT, "突发事件", "下水道堵塞", "SWJ", 1, WORKING_DAYS, 3),
    ("1404", INCIDENT, "突发事件", "道路积水", "SWJ", 4, HOURS, 2),
    ("1405", INCIDENT, "突发事件", "燃气泄漏", "RQGS", 1, HOURS, 0.3),
    ("1501", INCIDENT, "街面秩序", "占道经营", "CGJ", 2, HOURS, 10),
    ("1502", INCIDENT, "街面秩序", "店外经营", "CGJ", 2, HOURS, 7),
    ("1503", INCIDENT, "街面秩序", "无照游商", "SCJ", 2, HOURS, 4),
    ("1504", INCIDENT, "街面秩序", "违规停车", "GAJ", 2, HOURS, 9),
    ("1505", INCIDENT, "街面秩序", "露天烧烤", "CGJ", 2, HOURS, 3),
    ("1506", INCIDENT, "街面秩序", "乱堆物料", "XZ", 1, WORKING_DAYS, 5),
    ("1507", INCIDENT, "街面秩序", "共享单车乱停放", "JTJ", 4, HOURS, 4),
    ("1601", INCIDENT, "社会管理", "噪声扰民", "HBJ", 1, WORKING_DAYS, 3),
    ("1602", INCIDENT, "社会管理", "群租房隐患", "XZ", 5, WORKING_DAYS, 1),
    ("1603", INCIDENT, "社会管理", "消防通道堵塞", "YJJ", 4, HOURS, 2),
    ("1604", INCIDENT, "社会管理", "食品安全隐患", "SCJ", 2, WORKING_DAYS, 1),
    ("1605", INCIDENT, "社会管理", "电动车违规充电", "YJJ", 1, WORKING_DAYS, 2),
    ("1606", INCIDENT, "社会管理", "流浪犬只", "GAJ", 1, WORKING_DAYS, 1),
    # 矛盾纠纷 disputes ---------------------------------------------------------------------
    ("2101", DISPUTE, "矛盾纠纷", "邻里纠纷", "XZ", 10, WORKING_DAYS, 8),
    ("2102", DISPUTE, "矛盾纠纷", "婚姻家庭纠纷", "SFJ", 15, WORKING_DAYS, 5),
    ("2103", DISPUTE, "矛盾纠纷", "土地承包纠纷", "XZ", 15, WORKING_DAYS, 3),
    ("2104", DISPUTE, "矛盾纠纷", "劳资纠纷", "RSJ", 10, WORKING_DAYS, 3),
    ("2105", DISPUTE, "矛盾纠纷", "物业纠纷", "ZJJ", 10, WORKING_DAYS, 4),
    ("2106", DISPUTE, "矛盾纠纷", "消费纠纷", "SCJ", 7, WORKING_DAYS, 2),
    ("2107", DISPUTE, "矛盾纠纷", "交通事故纠纷", "GAJ", 10, WORKING_DAYS, 1),
    ("2108", DISPUTE, "矛盾纠纷", "山林水利纠纷", "XZ", 15, WORKING_DAYS, 1),
)

#: Filing and closing conditions by class (the standard's wording, abbreviated).
CONDITIONS: dict[str, tuple[str, str]] = {
    FACILITY: ("部件丢失、破损或功能异常，影响正常使用", "部件修复或更换到位，恢复正常使用"),
    INCIDENT: ("问题属实且在管理范围内", "问题得到处置，现场恢复正常"),
    DISPUTE: ("当事人申请或网格员排查发现，属于调解范围", "达成调解协议或依法引导至其他途径"),
}

TOWN_NAMES = (
    "城关镇", "东城街道", "西城街道", "南湖街道", "北山镇", "青石镇", "柳河镇", "白杨镇",
    "石桥镇", "龙泉镇", "杏林乡", "桃源镇", "清水镇", "金沙镇", "马坊镇", "双井乡",
    "红星镇", "高庄镇", "黄河街道", "花园街道",
)

DISTRICT_NAMES = (
    "清源区", "东湖区", "西山区", "南河区", "北城区", "高新区", "新城区", "柳林区",
    "龙泉区", "经开区", "临港区", "凤鸣区",
)

SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
    "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
    "程", "曹", "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾",
    "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜",
)
GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "玉兰", "志强", "海燕", "晓东",
    "春梅", "红霞", "立新", "国庆", "文博", "子涵", "雨欣", "浩然", "思远", "佳琪", "振华",
)

VILLAGE_PARTS = ("家庄", "庄", "屯", "营", "店", "集", "寨", "河", "桥", "湾", "岭", "坡",
                 "沟", "峪", "园", "楼", "堡", "岗", "洼", "坊")
COMMUNITY_WORDS = (
    "幸福", "和平", "建设", "人民", "文化", "友谊", "光明", "胜利", "团结", "振兴", "新华",
    "东风", "朝阳", "育才", "锦绣", "康宁", "安居", "春晖", "滨河", "翠园", "福苑", "金桥",
    "银杏", "丰泽", "书香", "泉城", "瑞景", "紫荆", "望湖", "长青",
)
DIRECTIONS = ("东", "西", "南", "北", "前", "后", "上", "下", "大", "小", "新", "老")

STREETS = (
    "建设路", "人民路", "解放路", "文化路", "胜利街", "和平路", "中山路", "迎宾大道",
    "青年路", "工业路", "幸福街", "育才路", "振兴大道", "滨河路", "商业街", "府前街",
    "新华路", "光明路", "朝阳路", "东风路", "农贸街", "学府路", "长青路", "泉水路",
)
