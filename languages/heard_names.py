"""Korean names of the languages Whisper can hear, for notices to agents.

The spoken-language check tells an agent which language a caller seems to speak ("프랑스어로
들립니다"). Whisper's multilingual models know 99 languages, and a resident who presses 1 because
no key is theirs may speak any of them, so every Whisper code has a Korean name here, not only
relay's six. Names follow the National Institute of Korean Language's usage (튀르키예어, not
터키어). A code missing from the table (a future model) is shown with its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

KOREAN_NAMES: Mapping[str, str] = MappingProxyType(
    {
        # relay's own languages first, then Whisper's order (most training data first)
        "ko": "한국어",
        "en": "영어",
        "zh": "중국어",
        "ja": "일본어",
        "vi": "베트남어",
        "mn": "몽골어",
        "de": "독일어",
        "es": "스페인어",
        "ru": "러시아어",
        "fr": "프랑스어",
        "pt": "포르투갈어",
        "tr": "튀르키예어",
        "pl": "폴란드어",
        "ca": "카탈루냐어",
        "nl": "네덜란드어",
        "ar": "아랍어",
        "sv": "스웨덴어",
        "it": "이탈리아어",
        "id": "인도네시아어",
        "hi": "힌디어",
        "fi": "핀란드어",
        "he": "히브리어",
        "uk": "우크라이나어",
        "el": "그리스어",
        "ms": "말레이어",
        "cs": "체코어",
        "ro": "루마니아어",
        "da": "덴마크어",
        "hu": "헝가리어",
        "ta": "타밀어",
        "no": "노르웨이어",
        "th": "태국어",
        "ur": "우르두어",
        "hr": "크로아티아어",
        "bg": "불가리아어",
        "lt": "리투아니아어",
        "la": "라틴어",
        "mi": "마오리어",
        "ml": "말라얄람어",
        "cy": "웨일스어",
        "sk": "슬로바키아어",
        "te": "텔루구어",
        "fa": "페르시아어",
        "lv": "라트비아어",
        "bn": "벵골어",
        "sr": "세르비아어",
        "az": "아제르바이잔어",
        "sl": "슬로베니아어",
        "kn": "칸나다어",
        "et": "에스토니아어",
        "mk": "마케도니아어",
        "br": "브르타뉴어",
        "eu": "바스크어",
        "is": "아이슬란드어",
        "hy": "아르메니아어",
        "ne": "네팔어",
        "bs": "보스니아어",
        "kk": "카자흐어",
        "sq": "알바니아어",
        "sw": "스와힐리어",
        "gl": "갈리시아어",
        "mr": "마라티어",
        "pa": "펀자브어",
        "si": "싱할라어",
        "km": "크메르어",
        "sn": "쇼나어",
        "yo": "요루바어",
        "so": "소말리어",
        "af": "아프리칸스어",
        "oc": "오크어",
        "ka": "조지아어",
        "be": "벨라루스어",
        "tg": "타지크어",
        "sd": "신드어",
        "gu": "구자라트어",
        "am": "암하라어",
        "yi": "이디시어",
        "lo": "라오어",
        "uz": "우즈베크어",
        "fo": "페로어",
        "ht": "아이티 크리올어",
        "ps": "파슈토어",
        "tk": "투르크멘어",
        "nn": "노르웨이어(뉘노르스크)",
        "mt": "몰타어",
        "sa": "산스크리트어",
        "lb": "룩셈부르크어",
        "my": "미얀마어",
        "bo": "티베트어",
        "tl": "타갈로그어",
        "mg": "말라가시어",
        "as": "아삼어",
        "tt": "타타르어",
        "haw": "하와이어",
        "ln": "링갈라어",
        "ha": "하우사어",
        "ba": "바시키르어",
        "jw": "자와어",
        "su": "순다어",
        "yue": "광둥어",
    }
)


def korean_name(code: str) -> str:
    """The Korean name of a Whisper language code; an unknown code is shown as it is."""
    return KOREAN_NAMES.get(code, f"알 수 없는 언어({code})")
