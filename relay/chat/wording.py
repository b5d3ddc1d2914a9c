"""The chat page's words in each resident language and in Korean, written by people (no
engine), and the choice of a page language from the conversation or the browser.

A resident who cannot read Korean must be able to trust and use the page before any agent is
involved, so everything it says is here in the five languages, each in its own full script
(the page is not an SMS: Vietnamese tone marks and Mongolian ө/ү are written as they are).
Some residents read Korean best (agents answer them in Korean, untranslated): their page is in
Korean when their conversation's language is Korean, or when their browser asks for Korean and
names none of the five.
"""

from __future__ import annotations

from languages import registry

#: The language the page falls back to when the browser names none of the five.
FALLBACK = "en"

#: The languages the page speaks: the five residents' languages, then Korean.
PAGE_LANGUAGES: tuple[registry.Language, ...] = (*registry.RESIDENT_LANGUAGES, registry.KOREAN)
PAGE_CODES: frozenset[str] = frozenset(language.code for language in PAGE_LANGUAGES)

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "centre": "120 Call Centre",
        "title": "Chat with the 120 Call Centre",
        "intro": "Ask the city's 120 civil service centre about life in Korea: documents, "
        "rules, services. Write in your language; our agents read it in Korean and answer "
        "you here in yours.",
        "emergency": "Emergencies: police 112, fire and ambulance 119. This chat is not for "
        "emergencies.",
        "privacy": "Privacy: your messages and their translations are kept by the centre to "
        "answer you and are deleted after the retention period. Do not write your registration "
        "or card numbers. Anyone with this page's link can read the conversation: keep it "
        "private.",
        "language": "Language",
        "message": "Your message",
        "callback": "Phone number for a text when we reply (optional)",
        "start": "Start the chat",
        "send": "Send",
        "you": "You",
        "agent": "120 Call Centre",
        "received": "Received",
        "sent": "Sent",
        "delivered": "Delivered",
        "read": "Read",
        "by_sms": "sent by text message",
        "typing": "An agent is typing…",
        "ended": "This conversation has ended. You can start a new one.",
        "not_found": "This chat link is not valid any more. It may have ended or been "
        "closed. You can start a new chat.",
        "limited": "You are sending messages too quickly. Please wait a minute and try again.",
        "too_long": "Your message is too long. Please write at most {limit} characters.",
        "empty": "Please write a message first.",
        "start_new": "Start a new chat",
        "offline": "Reconnecting…",
        "sending_failed": "The message could not be sent. Please try again.",
        "expired": "This page had expired. Please reload it and send your message again.",
    },
    "zh": {
        "centre": "120呼叫中心",
        "title": "与120呼叫中心在线交流",
        "intro": "您可以向市政120民生服务中心咨询在韩生活的各类问题：证件、规定、公共服务等。"
        "请用您的语言书写，我们的工作人员会以韩语阅读，并在这里用您的语言回复您。",
        "emergency": "紧急情况请拨打：报警112，火警和急救119。本聊天不处理紧急情况。",
        "privacy": "隐私说明：您的消息及其翻译由中心保存，仅用于答复您，保存期满后删除。"
        "请勿填写外国人登录证号码或银行卡号。任何拿到本页链接的人都能看到对话内容，请妥善保管。",
        "language": "语言",
        "message": "您的消息",
        "callback": "回复时接收短信通知的电话号码（选填）",
        "start": "开始咨询",
        "send": "发送",
        "you": "您",
        "agent": "120呼叫中心",
        "received": "已收到",
        "sent": "已发送",
        "delivered": "已送达",
        "read": "已读",
        "by_sms": "已通过短信发送",
        "typing": "工作人员正在输入…",
        "ended": "本次咨询已结束。您可以开始新的咨询。",
        "not_found": "此聊天链接已失效，咨询可能已结束或被关闭。您可以开始新的咨询。",
        "limited": "您发送消息过于频繁，请等待一分钟后再试。",
        "too_long": "消息太长，最多可以写{limit}个字。",
        "empty": "请先输入消息。",
        "start_new": "开始新的咨询",
        "offline": "正在重新连接…",
        "sending_failed": "消息未能发送，请重试。",
        "expired": "页面已过期，请刷新后重新发送消息。",
    },
    "ja": {
        "centre": "120コールセンター",
        "title": "120コールセンターのチャット",
        "intro": "韓国での生活について、市の120番行政サービスセンターに相談できます（書類、"
        "決まり、公共サービスなど）。あなたの言語で書いてください。担当者が韓国語で読み、"
        "ここにあなたの言語で返信します。",
        "emergency": "緊急時は警察112、消防・救急119へ。このチャットは緊急用ではありません。",
        "privacy": "個人情報について：メッセージとその翻訳は回答のためにセンターが保管し、"
        "保存期間が過ぎると削除します。外国人登録番号やカード番号は書かないでください。"
        "このページのリンクを知っている人は会話を読めます。他の人に教えないでください。",
        "language": "言語",
        "message": "メッセージ",
        "callback": "返信をSMSでお知らせする電話番号（任意）",
        "start": "チャットを始める",
        "send": "送信",
        "you": "あなた",
        "agent": "120コールセンター",
        "received": "受付済み",
        "sent": "送信済み",
        "delivered": "配信済み",
        "read": "既読",
        "by_sms": "SMSで送信",
        "typing": "担当者が入力中…",
        "ended": "この相談は終了しました。新しい相談を始めることができます。",
        "not_found": "このチャットのリンクは無効です。相談が終了したか、閉じられた可能性が"
        "あります。新しいチャットを始めてください。",
        "limited": "送信が速すぎます。1分ほど待ってからもう一度お試しください。",
        "too_long": "メッセージが長すぎます。{limit}文字以内で書いてください。",
        "empty": "メッセージを入力してください。",
        "start_new": "新しいチャットを始める",
        "offline": "再接続しています…",
        "sending_failed": "送信できませんでした。もう一度お試しください。",
        "expired": "ページの有効期限が切れました。再読み込みしてもう一度送信してください。",
    },
    "vi": {
        "centre": "Tổng đài 120",
        "title": "Trò chuyện với Tổng đài 120",
        "intro": "Hỏi trung tâm dịch vụ hành chính 120 của thành phố về cuộc sống tại Hàn "
        "Quốc: giấy tờ, quy định, dịch vụ công. Hãy viết bằng tiếng của bạn; nhân viên đọc "
        "bằng tiếng Hàn và trả lời bạn tại đây bằng tiếng của bạn.",
        "emergency": "Khẩn cấp: cảnh sát 112, cứu hỏa và cấp cứu 119. Cuộc trò chuyện này "
        "không dành cho trường hợp khẩn cấp.",
        "privacy": "Quyền riêng tư: tin nhắn của bạn và bản dịch được trung tâm lưu lại để "
        "trả lời bạn và bị xóa khi hết thời hạn lưu trữ. Đừng viết số thẻ đăng ký người nước "
        "ngoài hay số thẻ ngân hàng. Ai có đường liên kết của trang này đều đọc được cuộc trò "
        "chuyện: hãy giữ kín.",
        "language": "Ngôn ngữ",
        "message": "Tin nhắn của bạn",
        "callback": "Số điện thoại nhận tin báo khi có trả lời (không bắt buộc)",
        "start": "Bắt đầu trò chuyện",
        "send": "Gửi",
        "you": "Bạn",
        "agent": "Tổng đài 120",
        "received": "Đã nhận",
        "sent": "Đã gửi",
        "delivered": "Đã chuyển",
        "read": "Đã xem",
        "by_sms": "đã gửi bằng tin nhắn SMS",
        "typing": "Nhân viên đang soạn tin…",
        "ended": "Cuộc trò chuyện này đã kết thúc. Bạn có thể bắt đầu cuộc trò chuyện mới.",
        "not_found": "Đường liên kết trò chuyện này không còn hiệu lực. Cuộc trò chuyện có "
        "thể đã kết thúc hoặc bị đóng. Bạn có thể bắt đầu cuộc trò chuyện mới.",
        "limited": "Bạn gửi tin nhắn quá nhanh. Vui lòng đợi một phút rồi thử lại.",
        "too_long": "Tin nhắn quá dài. Vui lòng viết tối đa {limit} ký tự.",
        "empty": "Vui lòng viết tin nhắn trước.",
        "start_new": "Bắt đầu cuộc trò chuyện mới",
        "offline": "Đang kết nối lại…",
        "sending_failed": "Không gửi được tin nhắn. Vui lòng thử lại.",
        "expired": "Trang đã hết hạn. Vui lòng tải lại trang và gửi lại tin nhắn.",
    },
    "mn": {
        "centre": "120 лавлах төв",
        "title": "120 лавлах төвтэй чатлах",
        "intro": "Солонгост амьдрахтай холбоотой асуултаа (бичиг баримт, журам, төрийн "
        "үйлчилгээ) хотын 120 иргэдэд үйлчлэх төвөөс асуугаарай. Өөрийн хэлээр бичнэ үү; "
        "ажилтан солонгосоор уншиж, энд таны хэлээр хариулна.",
        "emergency": "Яаралтай үед: цагдаа 112, гал түймэр, түргэн тусламж 119. Энэ чат "
        "яаралтай тусламжид зориулагдаагүй.",
        "privacy": "Нууцлал: таны мессеж болон орчуулгыг төв танд хариулахын тулд хадгалж, "
        "хадгалах хугацаа дуусахад устгана. Гадаад иргэний үнэмлэх, картын дугаараа бүү "
        "бичээрэй. Энэ хуудасны холбоосыг мэдэх хүн бүр яриаг уншиж чадна: бусдад бүү өгөөрэй.",
        "language": "Хэл",
        "message": "Таны мессеж",
        "callback": "Хариу ирэхэд мессеж авах утасны дугаар (заавал биш)",
        "start": "Чат эхлүүлэх",
        "send": "Илгээх",
        "you": "Та",
        "agent": "120 лавлах төв",
        "received": "Хүлээн авсан",
        "sent": "Илгээсэн",
        "delivered": "Хүргэгдсэн",
        "read": "Уншсан",
        "by_sms": "мессежээр илгээсэн",
        "typing": "Ажилтан бичиж байна…",
        "ended": "Энэ яриа дууссан. Та шинэ яриа эхлүүлж болно.",
        "not_found": "Энэ чатын холбоос хүчингүй болсон. Яриа дууссан эсвэл хаагдсан байж "
        "магадгүй. Та шинэ чат эхлүүлж болно.",
        "limited": "Та хэт хурдан илгээж байна. Нэг минут хүлээгээд дахин оролдоно уу.",
        "too_long": "Мессеж хэт урт байна. Хамгийн ихдээ {limit} тэмдэгт бичнэ үү.",
        "empty": "Эхлээд мессежээ бичнэ үү.",
        "start_new": "Шинэ чат эхлүүлэх",
        "offline": "Дахин холбогдож байна…",
        "sending_failed": "Мессеж илгээгдсэнгүй. Дахин оролдоно уу.",
        "expired": "Хуудасны хугацаа дууссан. Хуудсаа шинэчлээд мессежээ дахин илгээнэ үү.",
    },
    "ko": {
        "centre": "120 콜센터",
        "title": "120 콜센터 채팅 상담",
        "intro": "서류, 제도, 공공 서비스 등 한국 생활에 관해 궁금한 점을 시 120 민원 상담 "
        "센터에 물어보세요. 여기에 글을 남기시면 상담원이 읽고 이 화면에서 답변해 드립니다.",
        "emergency": "긴급 상황은 경찰 112, 화재·구급 119로 전화하세요. 이 채팅으로는 긴급 "
        "신고를 받지 않습니다.",
        "privacy": "개인정보 안내: 보내신 메시지(번역문 포함)는 답변을 위해 센터가 보관하며, "
        "보관 기간이 지나면 삭제됩니다. 외국인등록번호나 카드 번호는 적지 마세요. 이 페이지의 "
        "링크를 아는 사람은 누구나 대화를 볼 수 있으니 다른 사람에게 알려 주지 마세요.",
        "language": "언어",
        "message": "메시지",
        "callback": "답변이 오면 문자로 알려 드릴 전화번호 (선택)",
        "start": "상담 시작하기",
        "send": "보내기",
        "you": "나",
        "agent": "120 콜센터",
        "received": "접수됨",
        "sent": "보냄",
        "delivered": "전달됨",
        "read": "읽음",
        "by_sms": "문자로 보냄",
        "typing": "상담원이 답변을 쓰고 있습니다…",
        "ended": "상담이 끝났습니다. 새로 상담을 시작하실 수 있습니다.",
        "not_found": "이 채팅 링크는 더 이상 쓸 수 없습니다. 상담이 끝났거나 닫혔을 수 "
        "있습니다. 새로 상담을 시작해 주세요.",
        "limited": "메시지를 너무 자주 보내고 계십니다. 1분쯤 기다린 뒤 다시 보내 주세요.",
        "too_long": "메시지가 너무 깁니다. {limit}자 이내로 써 주세요.",
        "empty": "메시지를 먼저 써 주세요.",
        "start_new": "새 상담 시작하기",
        "offline": "다시 연결하는 중…",
        "sending_failed": "메시지를 보내지 못했습니다. 다시 보내 주세요.",
        "expired": "페이지를 연 지 오래되어 보낼 수 없었습니다. 페이지를 새로 고친 뒤 메시지를 "
        "다시 보내 주세요.",
    },
}

#: Under a message relay cannot translate: English and Korean, the two languages an agent and
#: most residents share, since the resident's own language is the one relay does not know.
INTERPRETER_NOTICE = (
    "We could not translate this language automatically. Your message is kept, and an agent "
    "will arrange an interpreter.",
    "자동 번역을 지원하지 않는 언어입니다. 메시지는 보관되었으며 상담원이 통역을 연결합니다.",
)

#: The receipt the page shows at once for a new chat, as (Korean for the agent, the resident's
#: words); staffed and away variants, like the SMS receipt but free of SMS's character limits.
RECEIPTS: dict[str, tuple[str, str]] = {
    "ko": (
        "120 콜센터입니다. 메시지를 받았습니다. 상담원이 곧 이 화면으로 답변드립니다. "
        "긴급 상황은 경찰 112, 화재·구급 119.",
        "120 콜센터입니다. 메시지를 받았습니다. 지금은 상담 시간이 아니어서 상담원이 "
        "돌아오면 이 화면으로 답변드립니다. 긴급 상황은 경찰 112, 화재·구급 119.",
    ),
    "en": (
        "120 Call Centre: we have received your message. An agent will answer you here soon. "
        "Emergencies: police 112, fire and ambulance 119.",
        "120 Call Centre: we have your message. Our agents are away now and will answer you "
        "here when they are back. Emergencies: police 112, fire and ambulance 119.",
    ),
    "zh": (
        "120呼叫中心：我们已收到您的消息，工作人员会尽快在这里回复您。"
        "紧急情况：报警112，火警和急救119。",
        "120呼叫中心：我们已收到您的消息。现在是非工作时间，工作人员上班后会在这里回复您。"
        "紧急情况：报警112，火警和急救119。",
    ),
    "ja": (
        "120コールセンターです。メッセージを受け付けました。まもなく担当者がここで返信します。"
        "緊急時は警察112、消防・救急119へ。",
        "120コールセンターです。メッセージを受け付けました。ただ今は受付時間外のため、"
        "受付時間に担当者がここで返信します。緊急時は警察112、消防・救急119へ。",
    ),
    "vi": (
        "Tổng đài 120: chúng tôi đã nhận được tin nhắn của bạn. Nhân viên sẽ sớm trả lời bạn "
        "tại đây. Khẩn cấp: cảnh sát 112, cứu hỏa và cấp cứu 119.",
        "Tổng đài 120: chúng tôi đã nhận được tin nhắn của bạn. Hiện ngoài giờ làm việc, nhân "
        "viên sẽ trả lời bạn tại đây khi trở lại. Khẩn cấp: cảnh sát 112, cứu hỏa và cấp cứu "
        "119.",
    ),
    "mn": (
        "120 лавлах төв: Таны мессежийг хүлээн авлаа. Ажилтан удахгүй энд хариулна. "
        "Яаралтай үед: цагдаа 112, гал түймэр, түргэн тусламж 119.",
        "120 лавлах төв: Таны мессежийг хүлээн авлаа. Одоо ажлын цаг биш тул ажилтан ажлын "
        "цагаар энд хариулна. Яаралтай үед: цагдаа 112, гал түймэр, түргэн тусламж 119.",
    ),
}


def words(language: str | None) -> dict[str, str]:
    """The page's words in `language` (English for anything else)."""
    return WORDS.get(language or "", WORDS[FALLBACK])


def receipt(language: str, *, staffed: bool) -> tuple[str, str]:
    """The chat receipt as (Korean, the resident's language)."""
    which = 0 if staffed else 1
    return RECEIPTS["ko"][which], RECEIPTS[language][which]


def page_language(requested: str | None, accept_language: list[tuple[str, float]]) -> str:
    """The page's language: the one asked for (`?lang=`), else the browser's most preferred
    of the five (Accept-Language, by quality), else Korean if the browser asks for it, else
    English."""
    return known_language(requested, accept_language) or FALLBACK


def known_language(requested: str | None, accept_language: list[tuple[str, float]]) -> str | None:
    """The language asked for (`?lang=`), else the browser's most preferred of the five, else
    Korean when the browser names it; None when none is named (an error page then speaks all
    five). One of the five wins over Korean wherever it stands: phones and shared computers
    bought in Korea come set to Korean, and a resident who added their own language to one
    asked for that."""
    if requested in PAGE_CODES:
        return str(requested)
    asks_korean = False
    for tag, _quality in accept_language:
        code = tag.split("-")[0].split("_")[0].lower()
        if code in registry.RESIDENT_CODES:
            return code
        asks_korean = asks_korean or code == registry.KOREAN.code
    return registry.KOREAN.code if asks_korean else None


def spoken(language: str | None) -> str | None:
    """`language` if the page speaks it (a conversation's language: one of the five or
    Korean), else None, so the caller asks the browser instead."""
    return language if language in PAGE_CODES else None


def choices() -> list[tuple[str, str]]:
    """The page's languages as (code, name in its own script), for the language picker: the
    five, then Korean."""
    return [(lang.code, lang.native_name) for lang in PAGE_LANGUAGES]
