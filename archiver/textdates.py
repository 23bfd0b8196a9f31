"""Dates as people and machines write them: in running text, in metadata
values, in URLs.

Month names of many languages and calendars (Gregorian, Buddhist, Japanese
and Minguo eras, Solar Hijri, Ethiopian), day-first and month-first orders,
ISO 8601 and RFC 2822 values, epoch seconds, and the ``/2016/05/03/`` of a
URL path. Pure functions on strings; "nothing found" is ``None``.

Example::

    >>> parse_date("2016-05-03T01:00:00+08:00")
    datetime.date(2016, 5, 3)
    >>> find_date_in_text("Jakarta, 3 Mei 2016 - ...")
    datetime.date(2016, 5, 3)
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from .textnorm import LazyPattern, trie

#: The earliest publication date taken as plausible (the web before it is rare).
EARLIEST = dt.date(1995, 1, 1)


#: Month names, January first: English, Spanish, French, German, Indonesian,
#: Portuguese, Italian, Dutch (short forms too; a trailing dot is left out).
_MONTH_NAMES = (
    "january jan enero ene janvier janv janv. januar jänner jaenner januari janeiro gennaio",
    "february feb febrero février fevrier févr fevr februar februari fevereiro fev febbraio",
    "march mar marzo mars märz maerz mrz maret março marco maart",
    "april apr abril avril avr aprile",
    "may mayo mai mei maio maggio mag",
    "june jun junio juin juni junho giugno",
    "july jul julio juillet juil juli julho luglio",
    "august aug agosto août aout agustus agu agt ago augustus",
    "september sep sept septiembre setiembre septembre setembro set settembre",
    "october oct octubre octobre oktober okt outubro out ottobre ott",
    "november nov noviembre novembre novembro",
    "december dec diciembre dic décembre decembre déc dezember dez desember des dezembro "
    "dicembre",
)
#: More languages, full names only (short forms are often words too): Russian,
#: Ukrainian, Polish, Czech, Romanian, Turkish (also without its letters),
#: Swedish, Malay, Filipino, Greek, Hungarian, Armenian, Thai, Lao, Khmer, and
#: Arabic as Egypt and the Gulf, the Levant and the Maghreb write it. Nominative and
#: genitive ("12 марта 2019", "12 marca 2019"). See the month names of
#: CLDR's calendars (unicode.org/cldr), which locales and date libraries use.
_MORE_MONTHS = (
    "январь января січень січня styczeń stycznia leden ledna ianuarie ocak januari enero "
    "ιανουάριος ιανουαρίου január հունվար հունվարի มกราคม ม.ค ມັງກອນ មករា يناير "
    "كانون_الثاني",
    "февраль февраля лютий лютого luty lutego únor února februarie şubat subat februari "
    "pebrero φεβρουάριος φεβρουαρίου február փետրվար փետրվարի กุมภาพันธ์ ก.พ ກຸມພາ កុម្ភៈ "
    "فبراير شباط",
    "март марта березень березня marzec marca březen března martie mart mac marso "
    "μάρτιος μαρτίου március մարտ մարտի มีนาคม มี.ค ມີນາ មីនា مارس آذار",
    "апрель апреля квітень квітня kwiecień kwietnia duben dubna aprilie nisan abril "
    "απρίλιος απριλίου április ապրիլ ապրիլի เมษายน เม.ย ເມສາ មេសា أبريل ابريل إبريل نيسان",
    "май мая травень травня maj maja květen května mai mayıs mayis mayo μάιος μαΐου "
    "május մայիս մայիսի พฤษภาคม พ.ค ພຶດສະພາ ឧសភា مايو ماي أيار ايار",
    "июнь июня червень червня czerwiec czerwca červen června iunie haziran hunyo "
    "ιούνιος ιουνίου június հունիս հունիսի มิถุนายน มิ.ย ມິຖຸນາ មិថុនា يونيو يونيه حزيران",
    "июль июля липень липня lipiec lipca červenec července iulie temmuz julai hulyo "
    "ιούλιος ιουλίου július հուլիս հուլիսի กรกฎาคม ก.ค ກໍລະກົດ កក្កដា يوليو يوليه يوليوز "
    "تموز",
    "август августа серпень серпня sierpień sierpnia srpen srpna ağustos agustos augusti "
    "ogos agosto αύγουστος αυγούστου augusztus օգոստոս օգոստոսի สิงหาคม ส.ค ສິງຫາ សីហា "
    "أغسطس اغسطس "
    "غشت آب",
    "сентябрь сентября вересень вересня wrzesień września září septembrie eylül eylul "
    "setyembre σεπτέμβριος σεπτεμβρίου szeptember սեպտեմբեր սեպտեմբերի กันยายน ก.ย ກັນຍາ "
    "កញ្ញា سبتمبر "
    "شتنبر أيلول ايلول",
    "октябрь октября жовтень жовтня październik października říjen října octombrie ekim "
    "oktubre οκτώβριος οκτωβρίου október հոկտեմբեր հոկտեմբերի ตุลาคม ต.ค ຕຸລາ តុលា "
    "أكتوبر اكتوبر "
    "تشرين_الأول تشرين_الاول",
    "ноябрь ноября листопад листопада listopad listopada listopadu noiembrie kasım kasim "
    "nobyembre νοέμβριος νοεμβρίου նոյեմբեր նոյեմբերի พฤศจิกายน พ.ย ພະຈິກ វិច្ឆិកា "
    "نوفمبر نونبر "
    "تشرين_الثاني",
    "декабрь декабря грудень грудня grudzień grudnia prosinec prosince decembrie aralık "
    "aralik disember disyembre δεκέμβριος δεκεμβρίου դեկտեմբեր դեկտեմբերի "
    "ธันวาคม ธ.ค ທັນວາ ធ្នូ ديسمبر دجنبر كانون_الأول كانون_الاول",
)


def named_months(*tables: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """(name, month number) of every name in *tables* (twelve strings of names
    each, January first; "_" stands for a space inside a name)."""
    for table in tables:
        for number, names in enumerate(table, start=1):
            for name in names.split():
                yield name.rstrip(".").replace("_", " "), number


#: Hebrew (with the preposition that a date writes before the month: "3 במרץ 2023").
_HEBREW_MONTHS = (
    "ינואר בינואר", "פברואר בפברואר", "מרץ במרץ מרס במרס", "אפריל באפריל", "מאי במאי",
    "יוני ביוני", "יולי ביולי", "אוגוסט באוגוסט", "ספטמבר בספטמבר", "אוקטובר באוקטובר",
    "נובמבר בנובמבר", "דצמבר בדצמבר",
)
#: Bengali and Burmese (the Gregorian months, as newspapers in Bangladesh and
#: Myanmar date their articles; a Burmese month may take လ, "month").
_BENGALI_BURMESE_MONTHS = (
    "জানুয়ারি জানুয়ারী ဇန်နဝါရီ ဇန်နဝါရီလ", "ফেব্রুয়ারি ফেব্রুয়ারী ဖေဖော်ဝါရီ ဖေဖော်ဝါရီလ", "মার্চ မတ် မတ်လ",
    "এপ্রিল ဧပြီ ဧပြီလ", "মে မေ မေလ", "জুন ဇွန် ဇွန်လ", "জুলাই ဇူလိုင် ဇူလိုင်လ",
    "আগস্ট আগষ্ট ဩဂုတ် ဩဂုတ်လ သြဂုတ် သြဂုတ်လ", "সেপ্টেম্বর စက်တင်ဘာ စက်တင်ဘာလ",
    "অক্টোবর အောက်တိုဘာ အောက်တိုဘာလ", "নভেম্বর နိုဝင်ဘာ နိုဝင်ဘာလ", "ডিসেম্বর ဒီဇင်ဘာ ဒီဇင်ဘာလ",
)
_MONTHS: dict[str, int] = dict(named_months(_MONTH_NAMES, _MORE_MONTHS, _HEBREW_MONTHS,
                                            _BENGALI_BURMESE_MONTHS))
#: The months of the Solar Hijri calendar (Iran's and Afghanistan's), Farvardin first.
_SOLAR_HIJRI_MONTHS = ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد امرداد", "شهریور",
                       "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند")
_SOLAR_HIJRI: dict[str, int] = dict(named_months(_SOLAR_HIJRI_MONTHS))

#: Any month name, longest first (as a trie: quick to fail at each character)
_MONTH_RE = trie(_MONTHS)
_THAI_MONTH_RE = trie(m for m in _MONTHS if "\u0e00" <= m[0] <= "\u0e7f")
_SOLAR_HIJRI_RE = trie(_SOLAR_HIJRI)
#: The month names (of every calendar read) as a pattern, for other modules.
MONTH_NAMES = trie([*_MONTHS, *_SOLAR_HIJRI])
_ORDINAL = r"(?:st|nd|rd|th|er|e|º|°)?"
#: A time of day in a time zone of the United States, after a date ("11:59 PM EST",
#: "- 10:13 p.m. ET"): the date before it is written month first.
_US_CLOCK = (r"\s*(?:[,|-]\s*)?[01]?\d:[0-5]\d\s*(?:[aApP]\.?\s?[mM]\.?)?\s*"
             r"(?:E|C|M|P|AK|H)[SD]?T\b")
_TEXT_DATES = (
    # 3 May 2016, 3. Mai 2016, 3 de mayo de 2016, le 3 mai 2016, 03 Mei 2016
    LazyPattern(rf"(?<!\d)(?P<d>[0-3]?\d){_ORDINAL}\.?\s*(?:de\s+)?(?P<m>{_MONTH_RE})\.?[,،]?\s+"
               rf"(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # May 3, 2016 / May 3rd 2016
    LazyPattern(rf"(?<![^\W\d_])(?P<m>{_MONTH_RE})\.?\s+(?P<d>[0-3]?\d){_ORDINAL},?\s+"
               rf"(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # 2016年5月3日, 2016년 5월 3일
    LazyPattern(r"(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>[01]?\d)\s*[月월]\s*(?P<d>[0-3]?\d)\s*[日일]?"),
    # 2016-05-03, 2016/05/03, 2016.05.03
    LazyPattern(r"(?<![\d.])(?P<y>(?:19|20)\d\d)([-/.])(?P<m>[01]?\d)\2(?P<d>[0-3]?\d)(?![\d])"),
    # 03.05.2016, 03/05/2016 (day first unless impossible: "11/27/2020" is read
    # month first), but for a year of the Ethiopian calendar ("24/06/2015 ዓ.ም",
    # read by the last pattern)
    LazyPattern(r"(?<![\d.])(?P<d>[0-3]?\d)([./])(?P<m>[0-3]?\d)\2(?P<y>(?:19|20)\d\d)"
               r"(?!\d|\s*ዓ)"),
    # ngày 3 tháng 5 năm 2016, 3 tháng 5, 2016 (Vietnamese)
    LazyPattern(r"(?<!\d)(?P<d>[0-3]?\d)\s+tháng\s+(?P<m>[01]?\d)\s*(?:,|năm)?\s*"
               r"(?P<y>(?:19|20)\d\d)(?!\d)", re.I),
    # 3 พฤษภาคม 2559, 12 มี.ค. 62 (Thai: the year of the Buddhist era, 543 more,
    # whole or its last two digits, or the common one)
    LazyPattern(rf"(?<!\d)(?P<d>[0-3]?\d)\s*(?P<m>{_THAI_MONTH_RE})\.?\s*(?:พ\.ศ\.\s*)?"
               rf"(?P<y>(?:19|20|25)\d\d|[5-9]\d)(?![\d:])"),
    # ថ្ងៃទី3 ខែឧសភា ឆ្នាំ2016 (Khmer: "day 3, month May, year 2016")
    LazyPattern(rf"(?<!\d)(?P<d>[0-3]?\d)\s*ខែ\s*(?P<m>{_MONTH_RE})\s*(?:ឆ្នាំ\s*)?"
               rf"(?P<y>(?:19|20)\d\d)(?!\d)"),
    # 2016. május 3. (Hungarian: the year first)
    LazyPattern(rf"(?<![\d.])(?P<y>(?:19|20)\d\d)\.\s*(?P<m>{_MONTH_RE})\s+(?P<d>[0-3]?\d)\.?"
               rf"(?!\d)", re.I),
    # 平成31年3月12日, 令和元年5月1日 (Japanese: the year of the era); 民國105年6月24日
    # (the Republic of China's calendar, Taiwan's official one)
    LazyPattern(r"(?P<era>昭和|平成|令和|民國|民国)\s*(?P<y>元|\d{1,3})\s*年\s*(?P<m>[01]?\d)\s*月"
               r"\s*(?P<d>[0-3]?\d)\s*日"),
    # 105年6月24日, 105-06-24, 105/06/24, 105.06.24: a year of the Republic of China
    # without its era, as Taiwan's government pages write it (1995-2059: no
    # other calendar writes such a year before 年, nor three digits before a date)
    LazyPattern(r"(?<![\d年國国])(?P<roc>8[4-9]|9\d|1[0-4]\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*"
               r"(?P<d>[0-3]?\d)\s*日"),
    LazyPattern(r"(?<![\d./\-])(?P<roc>1[0-4]\d)(?P<sep>[-/.])(?P<m>[01]?\d)(?P=sep)"
               r"(?P<d>[0-3]?\d)(?![\d./\-])"),
    # 24/06/2015 ዓ.ም: day, month and year of the Ethiopian calendar (Amharic
    # pages; "ዓ.ም", the year of mercy, marks it), 7-8 years behind
    LazyPattern(r"(?<![\d.])(?P<d>[0-3]?\d)([./])(?P<m>[01]?\d)\2(?P<eth>(?:19|20)\d\d)\s*ዓ"),
    # 03/03/2566: a Thai date with the year of the Buddhist era in digits only
    LazyPattern(r"(?<![\d.])(?P<d>[0-3]?\d)([./])(?P<m>[01]?\d)\2(?P<y>25\d\d)(?!\d)"),
    # ၂၀၂၃ ခုနှစ်၊ မတ်လ ၃ ရက်, မတ် ၃၊ ၂၀၂၃ (Burmese: "year 2023, month March, day 3";
    # "March 3, 2023" with the Burmese comma)
    LazyPattern(rf"(?<!\d)(?P<y>(?:19|20)\d\d)\s*ခုနှစ်\s*၊?\s*(?P<m>{_MONTH_RE})\s*"
               r"(?P<d>[0-3]?\d)\s*ရက်"),
    LazyPattern(rf"(?P<m>{_MONTH_RE})\s+(?P<d>[0-3]?\d)\s*၊\s*(?P<y>(?:19|20)\d\d)(?!\d)"),
    # ۱۲ اسفند ۱۴۰۱: day, month and year of the Solar Hijri calendar
    LazyPattern(rf"(?<!\d)(?P<d>[0-3]?\d)\s*(?P<sh_m>{_SOLAR_HIJRI_RE})\s*(?P<sh>1[34]\d\d)(?!\d)"),
    # 06/15/22 11:30 PM ET: an American byline, month first, the year's last two
    # digits, told by its clock in a US time zone
    LazyPattern(r"(?<![\d/.])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)/(?P<yy>\d\d)(?=" + _US_CLOCK + ")"),
)
#: The patterns of :data:`_TEXT_DATES` (by position) every match of which holds a
#: sign outside ASCII: 年/년, tháng, a Thai month, ខែ, 年 of an era or of the
#: Republic of China, ዓ, ခုနှစ်, ၊, a Solar Hijri month. They are not tried on
#: text in ASCII, as most of it is.
_SCRIPT_ONLY_AT = frozenset({2, 5, 6, 7, 9, 10, 12, 14, 15, 16})
#: The patterns of :data:`_TEXT_DATES` (by position) every match of which holds a
#: year of the common era, "19xx" or "20xx" (:data:`_YEAR`): not tried on text
#: without one.
_WITH_YEAR_AT = frozenset({0, 1, 2, 3, 4, 5, 7, 8, 12, 14, 15})
_YEAR = re.compile(r"(?:19|20)\d\d")
#: The year before the first of each era: Japanese (平成元年 is 1989), and the
#: Republic of China's (民國105年 is 2016).
_ERAS = {"昭和": 1925, "平成": 1988, "令和": 2018, "民國": 1911, "民国": 1911}
#: Years of the Republic of China are this many fewer than the common era's.
_ROC_ERA = 1911
#: Years of the Buddhist era (Thai dates) are this many more than the common era's.
_BUDDHIST_ERA = 543


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


#: Julian day number of the day before 1 Mäskäräm of the Ethiopian year 1.
_ETHIOPIAN_EPOCH = 1724220
#: Julian day number of the proleptic Gregorian day 0 (``date.toordinal``).
_JDN_ORDINAL = 1721425


def _ethiopian(year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian day of *day* of *month* (1-13: twelve of 30 days, then
    Pagume of 5 or 6) of the Ethiopian *year*."""
    if not 1 <= month <= 13 or not 1 <= day <= (30 if month < 13 else 6):
        return None
    jdn = _ETHIOPIAN_EPOCH + 365 * (year - 1) + year // 4 + 30 * (month - 1) + day
    return dt.date.fromordinal(jdn - _JDN_ORDINAL)


def _solar_hijri(year: int, month: int, day: int) -> dt.date | None:
    """The Gregorian day of *day* of *month* (1-12: six of 31 days, five of 30,
    then Esfand of 29 or 30) of the Solar Hijri *year*, by the 33-year
    arithmetic rule (exact for the years 1178-1633)."""
    if not 1 <= day <= (31 if month <= 6 else 30):
        return None
    y = year + 1595
    days = -355668 + 365 * y + (y // 33) * 8 + ((y % 33) + 3) // 4 + day \
        + ((month - 1) * 31 if month <= 6 else (month - 7) * 30 + 186)
    value = dt.date.fromordinal(days - 365)
    if month == 12 and day == 30 and _solar_hijri(year + 1, 1, 1) == value:
        return None  # 30 Esfand of a common year
    return value


def plausible(value: dt.date | None, today: dt.date | None = None) -> bool:
    """Between 1995-01-01 and tomorrow."""
    if value is None:
        return False
    today = today or dt.date.today()
    return EARLIEST <= value <= today + dt.timedelta(days=1)


def _month_number(token: str) -> int | None:
    return _MONTHS.get(token.lower().rstrip("."))


def _match_to_date(m: re.Match[str], *, monthfirst: bool = False) -> dt.date | None:
    groups = m.re.groupindex
    if "era" in groups:  # (only the pattern of the eras has one)
        year = _ERAS[m.group("era")] + (1 if m.group("y") == "元" else int(m.group("y")))
    elif "roc" in groups:
        year = _ROC_ERA + int(m.group("roc"))
    elif "eth" in groups:
        return _ethiopian(int(m.group("eth")), int(m.group("m")), int(m.group("d")))
    elif "yy" in groups:
        year = 2000 + int(m.group("yy"))
    elif "sh" in groups:
        return _solar_hijri(int(m.group("sh")), _SOLAR_HIJRI[m.group("sh_m")], int(m.group("d")))
    else:
        year = int(m.group("y"))
    if year < 100:  # only the Thai pattern reads two digits: of the Buddhist era
        year += 2500
    if year >= 2400:  # only the Thai pattern reads such a year
        year -= _BUDDHIST_ERA
    raw_month = m.group("m")
    month = int(raw_month) if raw_month.isdigit() else _month_number(raw_month)
    day = int(m.group("d"))
    if month is None:
        return None
    if raw_month.isdigit() and monthfirst and day <= 12:
        month, day = day, month
    if month > 12 and day <= 12:  # written month-first after all
        if m.re is _NUMERIC_DAY_FIRST.compiled and m.group(2) == ".":
            return None  # with dots nobody writes the month first: "1.25.2016" is no day
        month, day = day, month
    return _day(year, month, day)


#: Decimal digits of other scripts, as ASCII: Arabic-Indic, Persian, Devanagari,
#: Bengali, Thai, Lao, Myanmar, Khmer and fullwidth ("١٢ مارس ٢٠١٩", "๑๒ มีนาคม ๒๕๖๒").
_DIGITS = {zero + i: ord("0") + i for zero in (0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xED0,
                                                0x1040, 0x17E0, 0xFF10) for i in range(10)}


def _ascii_digits(text: str) -> str:
    """*text* with the digits of other scripts (:data:`_DIGITS`) as ASCII ones."""
    return text if text.isascii() else text.translate(_DIGITS)


#: A digit of any script (``\d`` matches them all, in the patterns too): every
#: date read from text holds one (the callers that read text for dates test it first).
DIGIT = re.compile(r"\d")

#: How :data:`_TEXT_DATES` are tried, in their order: each pattern, whether it
#: needs a year, and whether it is searched in the text in lower case. On text
#: in ASCII, the patterns that ignore case are searched as written (in lower
#: case) in the text in lower case, which finds the same at the same places,
#: twice as fast (``re.IGNORECASE`` leaves the engine no quick scan).
_Tried = tuple[tuple[LazyPattern, bool, bool], ...]


def _tried(in_ascii: bool) -> _Tried:
    return tuple(
        (LazyPattern(p.pattern, p.flags & ~re.IGNORECASE), i in _WITH_YEAR_AT, True)
        if in_ascii and p.flags & re.IGNORECASE else (p, i in _WITH_YEAR_AT, False)
        for i, p in enumerate(_TEXT_DATES) if not (in_ascii and i in _SCRIPT_ONLY_AT))


_TRIED_ON_ASCII, _TRIED_ON_ANY = _tried(True), _tried(False)


def _searches(text: str) -> Iterator[tuple[LazyPattern, str]]:
    """The patterns of :data:`_TEXT_DATES` that may match *text* (its digits
    in ASCII), in order, each with the form of *text* to search."""
    in_ascii = text.isascii()
    lowered = text.lower() if in_ascii else text
    year = _YEAR.search(text) is not None
    for pattern, needs_year, lower in _TRIED_ON_ASCII if in_ascii else _TRIED_ON_ANY:
        if year or not needs_year:
            yield pattern, lowered if lower else text


def find_dates_in_text(text: str, limit: int = 20) -> list[dt.date]:
    """Plausible dates written in free *text*, in order of appearance (in any
    script's digits)."""
    if DIGIT.search(text) is None:  # every pattern reads a digit (most bylines have none)
        return []
    text = _ascii_digits(text)
    found: list[tuple[int, dt.date]] = []
    for pattern, searched in _searches(text):
        for m in pattern.finditer(searched):
            day = _match_to_date(m)
            if pattern is _NUMERIC_DAY_FIRST and day is not None:
                day = _by_us_clock(text, m, day) or _by_weekday(text, m, day)
            if day is not None and plausible(day):
                found.append((m.start(), day))
            if len(found) >= limit * 3:
                break
    found.sort(key=lambda pair: pair[0])
    return [d for _, d in found[:limit]]


#: The numeric pattern read day first ("03/05/2019"), which a weekday before it
#: can show to be month first (Drupal's "Tue, 03/05/2019": 5 March was a Tuesday).
_NUMERIC_DAY_FIRST = _TEXT_DATES[4]
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*$", re.IGNORECASE)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_US_CLOCK_AFTER = re.compile(_US_CLOCK)


def _by_us_clock(text: str, m: re.Match[str], day: dt.date) -> dt.date | None:
    """*day*, read day first from *m*, month first when a time of day in a US time
    zone follows it ("11/02/2020 11:59 PM EST" is 2 November); None otherwise."""
    if day.day > 12 or day.day == day.month or not _US_CLOCK_AFTER.match(text, m.end()):
        return None
    return _day(day.year, day.day, day.month)


def _by_weekday(text: str, m: re.Match[str], day: dt.date) -> dt.date:
    """*day*, read day first from *m*, or month first when the weekday written
    just before it is that day's and not the other's."""
    if day.day > 12 or day.day == day.month:
        return day
    named = _WEEKDAY.search(text, max(0, m.start() - 12), m.start())
    if named is None:
        return day
    weekday = _WEEKDAYS.index(named.group(1).lower())
    other = _day(day.year, day.day, day.month)
    if other is not None and other.weekday() == weekday != day.weekday():
        return other
    return day


def find_date_in_text(text: str) -> dt.date | None:
    """The first plausible date written in free *text* (multilingual), else None."""
    dates = find_dates_in_text(text, limit=1)
    return dates[0] if dates else None


_ISO = re.compile(r"^\s*(?P<y>(?:19|20)\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)(?:$|[T\s_])")
_ISO_LOOSE = re.compile(r"^\s*(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)")
_EPOCH = re.compile(r"^\s*(\d{9,10}|\d{12,13})(?:\.\d+)?\s*$")
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d")


def parse_date(value: str | None, *, monthfirst: bool = False) -> dt.date | None:
    """The calendar day of a machine-readable date *value*, as written.

    ISO 8601 (the day in the value's own time zone, never shifted to UTC),
    ``YYYYMMDD``, RFC 2822, Unix timestamps, then written dates
    ("May 3, 2016", "3 Mei 2016", "2016年5月3日"). None when implausible.
    """
    if not value:
        return None
    value = _ascii_digits(value.strip()[:200])
    day: dt.date | None = None
    m = _ISO.match(value) or _ISO_LOOSE.match(value)
    if m:
        day = _day(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    elif _EPOCH.match(value):
        seconds = float(value)
        if seconds > 1e11:
            seconds /= 1000.0
        try:
            day = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            day = None
    elif _RFC2822.match(value):
        parsed = email.utils.parsedate_tz(value)
        if parsed:
            day = _day(parsed[0], parsed[1], parsed[2])
    else:
        for pattern, searched in _searches(value):
            found = pattern.search(searched)
            if found:
                day = _match_to_date(found, monthfirst=monthfirst and pattern is _NUMERIC_DAY_FIRST)
                if day is not None:
                    break
    return day if plausible(day) else None


_ISO_DATETIME = re.compile(
    r"^\s*((?:19|20)\d\d-[01]\d-[0-3]\d)[T ]([0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)\s*"
    r"(Z|[+-][01]\d:?[0-5]\d)$")


def parse_datetime(value: str | None) -> dt.datetime | None:
    """An ISO 8601 date-time with an explicit offset (``Z``, ``+08:00``), or an
    RFC 2822 one (``Tue, 23 Apr 2019 23:45 -0700``, as ``sailthru.date`` has
    it), else None."""
    if not value:
        return None
    m = _ISO_DATETIME.match(value)
    if not m and _RFC2822.match(value):
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        # (-0000 says the offset is not known: no day of the page's own)
        return when if when.tzinfo is not None and "-0000" not in value else None
    if not m:
        return None
    offset = m.group(3)
    if offset == "Z":
        offset = "+00:00"
    elif ":" not in offset:
        offset = f"{offset[:3]}:{offset[3:]}"
    try:
        return dt.datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}{offset}")
    except ValueError:
        return None


#: Where a day's path segment ends: a slash, the path's end or a file
#: extension (``/2016/05/03.html``); a hyphen does not end it, since a slug
#: may start with a number (``/2016/05/5-takeaways-from-the-ruling/``).
_DAY_END = r"(?=/|$|\.[A-Za-z][A-Za-z0-9]{0,5}$)"
#: A zero-padded day before a slug (/2016/05/03-council-approves/): a slug's
#: own number is not written with a zero (/2016/05/5-takeaways/).
_PADDED_DAY = r"0[1-9](?=[-_][^\d])"
_URL_DATES = (
    re.compile(r"/((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)" + _DAY_END),
    re.compile(r"/((?:19|20)\d\d)/([01]\d)/(" + _PADDED_DAY + ")"),
    re.compile(r"[/_-]((?:19|20)\d\d)-([01]\d)-([0-3]\d)(?:[/_.-]|$)"),
    re.compile(r"/((?:19|20)\d\d)/([01]\d)-([0-3]\d)/"),  # chinanews: /gn/2019/03-12/
    re.compile(r"/((?:19|20)\d\d)-([01]\d)/([0-3]\d)/"),  # Xinhua: /2016-05/03/c_135.htm
    re.compile(r"/((?:19|20)\d\d)/([01]\d)([0-3]\d)/"),  # People's Daily: /2016/0503/c1002-2.html
    re.compile(r"(?<![\d])((?:19|20)\d\d)([01]\d)([0-3]\d)(?![\d])"),
    # a CMS id that starts with a timestamp: A2026012914320005196 (YYYYMMDDhhmm...)
    re.compile(r"(?<![\d])((?:19|20)\d\d)([01]\d)([0-3]\d)(?=(?:[01]\d|2[0-3])[0-5]\d)"),
)
#: A month's segments, not followed by a day's (a day the calendar has not,
#: /2016/02/31/, gives no month either).
_URL_MONTH = re.compile(r"/((?:19|20)\d\d)/([01]?\d)/(?!\d+" + _DAY_END + "|" + _PADDED_DAY
                        + ")")


def document_day(published: dt.date | None, url: str, text: str, chars: int
                 ) -> tuple[dt.date | None, dt.date | None]:
    """A document's day and, when it has none, the month its URL gives: the
    *published* day its markup or metadata gave, else the day of its *url*,
    else the first date in the first *chars* characters of its *text*; a day
    that is not :func:`plausible` is none. Returns ``(day, url_month)``."""
    url_day, has_day = date_from_url(url)
    if published is None:
        published = (url_day if has_day else None) or (
            find_date_in_text(text[:chars]) if text else None)
    if published is not None and not plausible(published):
        published = None
    return published, url_day if published is None and not has_day else None


def date_from_url(url: str | None) -> tuple[dt.date | None, bool]:
    """A date in a URL path: ``/2016/05/03/``, ``/2016/05/03.html``,
    ``2016-05-03``, ``20160503``, ``/2016/0503/``, ``/2016-05/03/``.

    Returns ``(date, has_day)``; a ``/2016/05/`` path gives the first of the
    month with *has_day* False, as does ``/2016/05/5-takeaways/`` (a slug
    that starts with a number is no day).
    """
    if not url:
        return None, False
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return None, False
    for pattern in _URL_DATES:
        m = pattern.search(path)
        if m:
            day = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if plausible(day):
                return day, True
    m = _URL_MONTH.search(path)
    if m:
        day = _day(int(m.group(1)), int(m.group(2)), 1)
        if plausible(day):
            return day, False
    return None, False
