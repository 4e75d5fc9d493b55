"""What the demo shows: member cities, organisations and the texts of the demo events.

Written for this app from the facts in the project's domain notes; names of cities and
states are public facts, everything else is demo text. No contact data of real people.
"""
from __future__ import annotations

from dataclasses import dataclass

from eventapp.models import Country, OrganisationKind


@dataclass(frozen=True)
class CityEntry:
    slug: str
    name: dict[str, str]
    region: dict[str, str]
    country: Country


def _state(de: str, en: str, zh: str) -> dict[str, str]:
    return {"de": de, "en": en, "zh": zh}


NRW = _state("Nordrhein-Westfalen", "North Rhine-Westphalia", "北莱茵-威斯特法伦州")
HESSEN = _state("Hessen", "Hesse", "黑森州")
SACHSEN = _state("Sachsen", "Saxony", "萨克森州")
NIEDERSACHSEN = _state("Niedersachsen", "Lower Saxony", "下萨克森州")
HAMBURG = _state("Hamburg", "Hamburg", "汉堡州")
BAYERN = _state("Bayern", "Bavaria", "巴伐利亚州")
RHEINLAND_PFALZ = _state("Rheinland-Pfalz", "Rhineland-Palatinate", "莱茵兰-普法尔茨州")
BADEN_WUERTTEMBERG = _state("Baden-Württemberg", "Baden-Württemberg", "巴登-符腾堡州")
GUANGDONG = _state("Guangdong", "Guangdong", "广东省")
GUIZHOU = _state("Guizhou", "Guizhou", "贵州省")


def _de(slug: str, de: str, en: str, zh: str, region: dict[str, str]) -> CityEntry:
    return CityEntry(slug, {"de": de, "en": en, "zh": zh}, region, Country.DE)


def _cn(slug: str, de: str, en: str, zh: str, region: dict[str, str]) -> CityEntry:
    return CityEntry(slug, {"de": de, "en": en, "zh": zh}, region, Country.CN)


# The German members in the order of the 2021 list, then the two Chinese members it names.
CITIES: tuple[CityEntry, ...] = (
    _de("aachen", "Aachen", "Aachen", "亚琛", NRW),
    _de("bad-homburg", "Bad Homburg", "Bad Homburg", "巴特洪堡", HESSEN),
    _de("bottrop", "Bottrop", "Bottrop", "博特罗普", NRW),
    _de("chemnitz", "Chemnitz", "Chemnitz", "开姆尼茨", SACHSEN),
    _de("region-fulda", "Fulda (Region)", "Fulda Region", "富尔达地区", HESSEN),
    _de("goettingen", "Göttingen", "Göttingen", "哥廷根", NIEDERSACHSEN),
    _de("hamburg", "Hamburg", "Hamburg", "汉堡", HAMBURG),
    _de("hildesheim", "Hildesheim", "Hildesheim", "希尔德斯海姆", NIEDERSACHSEN),
    _de("ingolstadt", "Ingolstadt", "Ingolstadt", "英戈尔施塔特", BAYERN),
    _de("kaiserslautern", "Kaiserslautern", "Kaiserslautern", "凯泽斯劳滕", RHEINLAND_PFALZ),
    _de("koeln", "Köln", "Cologne", "科隆", NRW),
    _de("ludwigshafen", "Ludwigshafen", "Ludwigshafen", "路德维希港", RHEINLAND_PFALZ),
    _de("mainz", "Mainz", "Mainz", "美因茨", RHEINLAND_PFALZ),
    _de("nuernberg", "Nürnberg", "Nuremberg", "纽伦堡", BAYERN),
    _de("rhein-kreis-neuss", "Rhein-Kreis Neuss", "Rhein-Kreis Neuss (district)", "莱茵-诺伊斯县", NRW),
    _de(
        "region-schwarzwald",
        "Region Schwarzwald (Lahr und Freiburg)",
        "Black Forest Region (Lahr and Freiburg)",
        "黑森林地区（拉尔和弗莱堡）",
        BADEN_WUERTTEMBERG,
    ),
    _de(
        "drei-gewinnt",
        "Städtenetzwerk „Drei gewinnt“ (Rüsselsheim am Main / Raunheim / Kelsterbach)",
        "City network “Drei gewinnt” (Rüsselsheim am Main / Raunheim / Kelsterbach)",
        "“Drei gewinnt”城市网络（吕塞尔斯海姆 / 劳恩海姆 / 克尔斯特巴赫）",
        HESSEN,
    ),
    _de("solingen", "Solingen", "Solingen", "索林根", NRW),
    _de("wuppertal", "Wuppertal", "Wuppertal", "伍珀塔尔", NRW),
    _de("dortmund", "Dortmund", "Dortmund", "多特蒙德", NRW),
    _de("kreis-dueren", "Kreis Düren", "Düren District", "迪伦县", NRW),
    _cn("foshan", "Foshan", "Foshan", "佛山", GUANGDONG),
    _cn("guiyang", "Guiyang", "Guiyang", "贵阳", GUIZHOU),
)


@dataclass(frozen=True)
class OrganisationEntry:
    name: str
    kind: OrganisationKind
    city_slug: str | None


_AGENCY = OrganisationKind.AGENCY
_BOARD = OrganisationKind.ADVISORY_BOARD

# Generic demo names; they stand for the kinds of bodies that take part, not for real offices.
ORGANISATIONS: tuple[OrganisationEntry, ...] = (
    OrganisationEntry("Wirtschaftsförderung Aachen", _AGENCY, "aachen"),
    OrganisationEntry("Wirtschaftsförderung Bottrop", _AGENCY, "bottrop"),
    OrganisationEntry("Wirtschaftsförderung Chemnitz", _AGENCY, "chemnitz"),
    OrganisationEntry("Wirtschaftsförderung Region Fulda", _AGENCY, "region-fulda"),
    OrganisationEntry("Wirtschaftsförderung Göttingen", _AGENCY, "goettingen"),
    OrganisationEntry("Wirtschaftsförderung Hamburg", _AGENCY, "hamburg"),
    OrganisationEntry("Wirtschaftsförderung Ingolstadt", _AGENCY, "ingolstadt"),
    OrganisationEntry("Wirtschaftsförderung Köln", _AGENCY, "koeln"),
    OrganisationEntry("Wirtschaftsförderung Mainz", _AGENCY, "mainz"),
    OrganisationEntry("Wirtschaftsförderung Nürnberg", _AGENCY, "nuernberg"),
    OrganisationEntry("Wirtschaftsförderung Rhein-Kreis Neuss", _AGENCY, "rhein-kreis-neuss"),
    OrganisationEntry("Wirtschaftsförderung Solingen", _AGENCY, "solingen"),
    OrganisationEntry("Wirtschaftsförderung Wuppertal", _AGENCY, "wuppertal"),
    OrganisationEntry("Wirtschaftsförderung Dortmund", _AGENCY, "dortmund"),
    OrganisationEntry("Wirtschaftsförderung Kreis Düren", _AGENCY, "kreis-dueren"),
    OrganisationEntry("China-Beirat Kaiserslautern", _BOARD, "kaiserslautern"),
    OrganisationEntry("China-Beirat Ludwigshafen", _BOARD, "ludwigshafen"),
    OrganisationEntry("China-Beirat Hildesheim", _BOARD, "hildesheim"),
    OrganisationEntry("Foshan Investment Promotion Centre", _AGENCY, "foshan"),
    OrganisationEntry("ISA Secretariat Foshan", OrganisationKind.OTHER, "foshan"),
    OrganisationEntry("Guiyang Investment Promotion Bureau", _AGENCY, "guiyang"),
)

DELEGATION_PARTICIPANTS = (
    "Wirtschaftsförderung Köln",
    "Wirtschaftsförderung Dortmund",
    "Wirtschaftsförderung Nürnberg",
    "Wirtschaftsförderung Solingen",
    "China-Beirat Kaiserslautern",
    "Foshan Investment Promotion Centre",
    "ISA Secretariat Foshan",
    "Guiyang Investment Promotion Bureau",
)

# Fifteen agencies and advisory boards took part in 2021; the last four did not agree to be listed.
FACHTAGUNG_PARTICIPANTS: tuple[tuple[str, bool], ...] = (
    ("Wirtschaftsförderung Aachen", True),
    ("Wirtschaftsförderung Bottrop", True),
    ("Wirtschaftsförderung Chemnitz", True),
    ("Wirtschaftsförderung Region Fulda", True),
    ("Wirtschaftsförderung Göttingen", True),
    ("Wirtschaftsförderung Ingolstadt", True),
    ("Wirtschaftsförderung Köln", True),
    ("Wirtschaftsförderung Mainz", True),
    ("Wirtschaftsförderung Rhein-Kreis Neuss", True),
    ("Wirtschaftsförderung Wuppertal", True),
    ("China-Beirat Ludwigshafen", True),
    ("Wirtschaftsförderung Dortmund", False),
    ("Wirtschaftsförderung Kreis Düren", False),
    ("Wirtschaftsförderung Solingen", False),
    ("China-Beirat Hildesheim", False),
)

# --- delegation-foshan-guiyang-2019 -------------------------------------------------------

DELEGATION_TITLE = {
    "de": "Delegationsreise nach Foshan und Guiyang 2019",
    "en": "Delegation visit to Foshan and Guiyang, 2019",
    "zh": "2019年佛山和贵阳代表团访问",
}
DELEGATION_SUMMARY = {
    "de": (
        "Wirtschaftsförderungen und Beiräte der Allianz reisten 2019 in die Mitgliedsstädte "
        "Foshan und Guiyang. Es war ihr bislang letztes Treffen vor Ort."
    ),
    "en": (
        "In 2019 the alliance's economic development agencies and advisory boards travelled "
        "to the member cities Foshan and Guiyang. It remained their last meeting in person."
    ),
    "zh": "2019年，联盟的经济促进机构和顾问委员会代表前往成员城市佛山和贵阳。这是他们最近一次线下会面。",
}
DELEGATION_REPORT = {
    "de": (
        "Die Delegation führte die kommunalen Wirtschaftsförderungen und Beiräte der "
        "Industriestädteallianz in zwei chinesische Mitgliedsstädte: zuerst nach Foshan in "
        "der Provinz Guangdong, wo das Sekretariat der Allianz seinen Sitz hat, danach nach "
        "Guiyang in der Provinz Guizhou. Auf dem Programm standen Betriebsbesichtigungen, "
        "Gespräche mit den Partnern vor Ort und Kooperationsgespräche mit Unternehmen.\n\n"
        "Rückblickend war diese Reise das letzte Treffen der Wirtschaftsförderungen und "
        "Beiräte in Präsenz; in den folgenden Jahren trafen sie sich per Video."
    ),
    "en": (
        "The delegation took the municipal economic development agencies and advisory boards "
        "of the Industrial Cities Alliance to two Chinese member cities: first to Foshan in "
        "Guangdong province, home of the alliance's secretariat, then to Guiyang in Guizhou "
        "province. The programme combined site visits, talks with the local partners and "
        "business-to-business meetings with companies.\n\n"
        "Looking back, the trip was the last in-person meeting of the agencies and advisory "
        "boards; in the years that followed they met by video."
    ),
    "zh": (
        "代表团由工业城市联盟的德国地方经济促进机构和顾问委员会组成，先后访问了两座中国成员城市："
        "首先是联盟秘书处所在地——广东省佛山市，随后是贵州省贵阳市。行程包括实地参观、"
        "与当地合作伙伴座谈以及与企业的对接洽谈。\n\n"
        "回顾来看，这次访问是经济促进机构和顾问委员会最近一次线下会面；此后几年，他们改为通过视频交流。"
    ),
}

# --- fachtagung-2021 ---------------------------------------------------------------------

FACHTAGUNG_TITLE = {
    "de": "Fachtagung der Wirtschaftsförderungen und Beiräte 2021",
    "en": "Expert meeting of the economic development agencies and advisory boards, 2021",
    "zh": "2021年经济促进机构与顾问委员会专业会议",
}
FACHTAGUNG_SUMMARY = {
    "de": (
        "Videokonferenz am 30. November 2021: Vertreterinnen und Vertreter von 15 kommunalen "
        "Wirtschaftsförderungen und Beiräten sprachen über Investitionen, Joint Ventures, "
        "Ansiedlungen und gemeinsame Projekte mit chinesischen und deutschen Unternehmen."
    ),
    "en": (
        "Video conference on 30 November 2021: representatives of 15 municipal economic "
        "development agencies and advisory boards discussed investments, joint ventures, "
        "company settlements and projects with Chinese and German firms."
    ),
    "zh": "2021年11月30日视频会议：来自15家德国地方经济促进机构和顾问委员会的代表，就投资、合资企业、企业落户以及与中德企业的合作项目进行了交流。",
}
FACHTAGUNG_REPORT = {
    "de": (
        "Friedhelm Ost, Staatssekretär a. D. und auf deutscher Seite für die Allianz "
        "verantwortlich, eröffnete die Tagung. Die Wirtschaftsförderungen berichteten, dass "
        "Reisen nach China und Gespräche mit chinesischen Investoren wegen der Pandemie kaum "
        "möglich waren; viele haben ihre Kontakte deshalb auf Videoformate verlegt.\n\n"
        "Chinesische Unternehmen zeigen nach ihren Berichten Interesse an Forschung und "
        "Entwicklung, Automatisierung, Biotechnologie, intelligenter Logistik, "
        "Batterieproduktion, Wasserstofftechnik, Klimaschutz und Kreislaufwirtschaft.\n\n"
        "Zur Lage der Wirtschaft: Chinas Wachstum lag im dritten Quartal 2021 bei 4,9 %; "
        "für das ganze Jahr wurden rund 8 % erwartet."
    ),
    "en": (
        "Friedhelm Ost, State Secretary (ret.), who is responsible for the alliance on the "
        "German side, opened the meeting. The agencies reported that trips to China and talks "
        "with Chinese investors had hardly been possible during the pandemic, so many of them "
        "had moved their contacts to video formats.\n\n"
        "According to their reports, Chinese companies are interested in research and "
        "development, automation, biotechnology, smart logistics, battery production, hydrogen "
        "technology, climate protection and the circular economy.\n\n"
        "On the economic outlook: China grew by 4.9 % in the third quarter of 2021, and about "
        "8 % was expected for the whole year."
    ),
    "zh": (
        "德方联盟负责人、前国务秘书弗里德海姆·奥斯特（Friedhelm Ost）为会议致开幕辞。"
        "各经济促进机构表示，受疫情影响，赴华出行以及与中国投资方的面谈几乎无法进行，"
        "因此许多机构已将联络工作转为视频形式。\n\n"
        "据介绍，中国企业对研发、自动化、生物技术、智慧物流、电池生产、氢能技术、气候保护和循环经济等领域表现出兴趣。\n\n"
        "经济形势方面：2021年第三季度中国经济增长4.9%，全年增长预计约为8%。"
    ),
}

OST_BIO = {
    "de": "Staatssekretär a. D.; auf deutscher Seite für die Industriestädteallianz verantwortlich.",
    "en": "State Secretary (ret.); responsible for the Industrial Cities Alliance on the German side.",
    "zh": "前国务秘书，德方工业城市联盟负责人。",
}

# --- isa-forum ---------------------------------------------------------------------------

FORUM_TITLE = {
    "de": "ISA-Forum: Investieren und Ansiedeln in Deutschland und China",
    "en": "ISA Forum: investing and settling in Germany and China",
    "zh": "ISA论坛：在德国和中国投资与落户",
}
FORUM_SUMMARY = {
    "de": (
        "Ein halber Tag in Berlin und online für Wirtschaftsförderungen, Beiräte, Unternehmen "
        "und Forschung aus den Mitgliedsstädten. Das Programm liegt am Vormittag in Berlin, "
        "damit Teilnehmende in China am Nachmittag und Abend dabei sein können. "
        "Vorträge auf Deutsch, Chinesisch und Englisch, teils mit Verdolmetschung."
    ),
    "en": (
        "A half-day in Berlin and online for economic development agencies, advisory boards, "
        "companies and researchers from the member cities. The programme runs in the Berlin "
        "morning so that participants in China can join in their afternoon and evening. "
        "Talks in German, Chinese and English, some with interpretation."
    ),
    "zh": (
        "面向成员城市的经济促进机构、顾问委员会、企业和科研机构的半天活动，柏林现场与线上同步举行。"
        "议程安排在柏林上午，方便中国参会者在下午和晚间参加。报告使用德语、中文和英语，部分环节提供同声传译。"
    ),
}
FORUM_VENUE_NAME = "Tagungszentrum an der Spree"
FORUM_VENUE_ADDRESS = "Musterstraße 10, 10117 Berlin"
FORUM_PUBLIC_LINK = "https://meet.jit.si/isa-forum-demo"
FORUM_PARTICIPANTS_LINK = "https://zoom.us/j/0000000000?pwd=isa-forum-demo"
FORUM_PARTICIPANTS_MEETING_ID = "873 4412 0961"
FORUM_PARTICIPANTS_PASSCODE = "Qk7-ISA-forum"


@dataclass(frozen=True)
class SpeakerEntry:
    name: str
    affiliation: str
    main_language: str
    bio: dict[str, str]


# Invented people for the demo programme.
FORUM_SPEAKERS: dict[str, SpeakerEntry] = {
    "albers": SpeakerEntry(
        "Dr. Katrin Albers",
        "ISA-Büro Berlin",
        "de",
        {
            "de": "Koordiniert die Arbeit der deutschen Mitgliedsstädte und die Fachtagungen der Allianz.",
            "en": "Coordinates the work of the German member cities and the alliance's expert meetings.",
            "zh": "负责协调德国成员城市的工作以及联盟的专业会议。",
        },
    ),
    "wang": SpeakerEntry(
        "Wang Lei",
        "ISA Secretariat Foshan",
        "zh",
        {
            "zh": "在佛山联盟秘书处负责中方成员城市的联络与项目对接。",
            "en": "Works at the alliance secretariat in Foshan on contacts with the Chinese member cities and project matching.",
            "de": "Betreut im Sekretariat der Allianz in Foshan die chinesischen Mitgliedsstädte und die Vermittlung von Projekten.",
        },
    ),
    "richter": SpeakerEntry(
        "Prof. Dr. Jonas Richter",
        "Hochschule für Energietechnik",
        "de",
        {
            "de": "Forscht zu Wasserstoffspeichern und Batteriezellen für die Industrie.",
            "en": "Researches hydrogen storage and battery cells for industrial use.",
        },
    ),
    "chen": SpeakerEntry(
        "Chen Xiaoyu",
        "Guiyang Investment Promotion Bureau",
        "zh",
        {
            "zh": "从事对德投资促进工作，关注智慧物流和循环经济项目。",
            "de": "Arbeitet in der Investitionsförderung mit Deutschland, Schwerpunkte intelligente Logistik und Kreislaufwirtschaft.",
            "en": "Works on investment promotion with Germany, with a focus on smart logistics and the circular economy.",
        },
    ),
    "krueger": SpeakerEntry(
        "Sabine Krüger",
        "Mittelstandsnetzwerk Rhein-Ruhr",
        "de",
        {
            "de": "Begleitet mittelständische Unternehmen bei Joint Ventures mit chinesischen Partnern.",
            "en": "Advises medium-sized companies on joint ventures with Chinese partners.",
            "zh": "为德国中小企业与中国伙伴开展合资合作提供咨询。",
        },
    ),
}
