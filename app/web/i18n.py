# ruff: noqa: E501  (the catalogue holds whole sentences)
"""The words people read, in English and Japanese (issue 18), and how a page picks its language.

A page's language is ``?lang=`` when it names one we have, else the first of ``Accept-Language`` (by
``q``) that we have, else English. Dates are written the way each language writes them (7 December 2026;
2026年12月7日) and a person's name in that language's order (given name first in English, family name
first in Japanese). The catalogue is a dict: each message id has its English and Japanese text; a
message may take ``{named}`` values.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["LANGUAGES", "Words", "format_date", "person_name", "pick_language"]

LANGUAGES = ("en", "ja")

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_CATALOGUE: dict[str, tuple[str, str]] = {
    # the employer's OpenID4VP request page (issue 19)
    "vp.request": ("Credential request", "証明書の提示依頼"),
    "vp.from": ("Credential request from {name}", "{name} からの証明書の提示依頼"),
    "vp.purpose": ("Purpose", "目的"),
    "vp.asked": ("Asked for", "依頼内容"),
    "vp.scan": (
        "Scan the QR code with your wallet, or on this device open",
        "ウォレットで QR コードを読み取るか、この端末で開いてください：",
    ),
    "vp.in_wallet": ("the request in your wallet", "ウォレットで依頼を開く"),
    "vp.qr_alt": ("QR code of the credential request", "証明書の提示依頼の QR コード"),
    "vp.opened": ("The wallet has opened the request…", "ウォレットが依頼を開きました…"),
    "vp.waiting": ("Waiting for the wallet…", "ウォレットの応答を待っています…"),
    "vp.check_again": ("Check again", "もう一度確認"),
    "vp.expired": ("Expired", "期限切れ"),
    "vp.expired_hint": (
        "No wallet answered this request in time.",
        "期限内にウォレットからの応答がありませんでした。",
    ),
    "vp.valid": ("Valid", "有効"),
    "vp.not_accepted": ("Not accepted", "受け付けられません"),
    "vp.all_passed": (
        "The wallet presented what was asked for, and every check passed.",
        "ウォレットは依頼どおりの証明書を提示し、すべての確認に合格しました。",
    ),
    "vp.because": ("Not accepted because", "受け付けられない理由："),
    "vp.issued_by": ("issued by {issuer}", "発行者 {issuer}"),
    "vp.disclosed": ("Disclosed claims", "開示された項目"),
    "vp.checked": ("What was checked", "確認した内容"),
    "vp.reason.nonce-mismatch": ("answer to another request (nonce)", "別の依頼への応答（nonce）"),
    "vp.reason.audience-mismatch": ("meant for another verifier (aud)", "別の検証者宛て（aud）"),
    "vp.reason.claim-not-disclosed": (
        "a requested claim was not disclosed",
        "依頼した項目が開示されていません",
    ),
    "vp.reason.credential-revoked": ("the credential is revoked", "証明書は取り消されています"),
    "vp.reason.untrusted-issuer": ("the issuer is not trusted", "信頼されていない発行者"),
    "vp.reason.replayed-response": ("the answer was sent before", "応答が再送されました"),
    "vp.reason.wallet-declined": ("the wallet declined", "ウォレットが辞退しました"),
    "vp.reason.holder-mismatch": ("not the holder's credential", "提示者の証明書ではありません"),
    # the catalogue (issue 17)
    "cat.title": ("Micro-credential catalogue", "マイクロクレデンシャル一覧"),
    "cat.hint": (
        "The courses the issuers of this service publish, with their credits, level and the programmes they count toward.",
        "このサービスの発行機関が公開している講座と、その単位数・レベル・積み上げ先のプログラムです。",
    ),
    "cat.search_label": ("Search the catalogue", "一覧を検索"),
    "cat.search": ("Search", "検索"),
    "cat.field": ("Field of study", "分野"),
    "cat.level": ("Level", "レベル"),
    "cat.language": ("Language", "言語"),
    "cat.any": ("Any", "指定なし"),
    "cat.provider": ("Provider", "提供機関"),
    "cat.programme": ("Programme", "プログラム"),
    "cat.credits_min": ("Credits from", "単位数（下限）"),
    "cat.credits_max": ("Credits up to", "単位数（上限）"),
    "cat.results": ("Results", "検索結果"),
    "cat.found": ("{count} courses found", "{count} 件の講座"),
    "cat.page_of": ("page {page} of {pages}", "{pages} ページ中 {page} ページ目"),
    "cat.pages": ("Pages", "ページ"),
    "cat.prev": ("Previous page", "前のページ"),
    "cat.next": ("Next page", "次のページ"),
    "cat.accreditation": ("Accreditation", "認定"),
    "cat.credits": ("Credits", "単位数"),
    "cat.hours": ("{hours} hours", "{hours} 時間"),
    "cat.participation": ("Participation", "参加形態"),
    "cat.assessment": ("Assessment", "評価方法"),
    "cat.counts_toward": ("Counts toward", "積み上げ先"),
    "cat.issuer_courses": ("{name}: courses", "{name}：講座"),
    "cat.all": ("All issuers' courses", "すべての発行機関の講座"),
    "cat.csv": ("Download as CSV", "CSV でダウンロード"),
    "cat.stack": ("Programmes you can stack toward", "積み上げできるプログラム"),
    "cat.courses": ("Courses", "講座"),
    "cat.count": ("{count} courses.", "{count} 件の講座。"),
    # a pathway's progress page
    "path.progress": ("progress", "進捗"),
    "path.offered_by": ("Offered by", "提供機関"),
    "path.required": ("Credits required", "必要単位数"),
    "path.recency": ("Recency", "有効期間"),
    "path.recency_years": (
        "Credentials awarded within the last {years} years",
        "過去 {years} 年以内に授与された証明書",
    ),
    "path.unreadable": ("Could not read this", "読み取れませんでした"),
    "path.unreadable_hint": (
        "Paste one credential, a JSON list of credentials, a presentation, or one VC-JWT per line.",
        "証明書を 1 つ、証明書の JSON リスト、プレゼンテーション、または 1 行に 1 つの VC-JWT を貼り付けてください。",
    ),
    "path.complete": ("Complete", "修了"),
    "path.in_progress": ("In progress", "進行中"),
    "path.of_credits": ("{earned} of {required} credits", "{required} 単位中 {earned} 単位"),
    "path.requirements": ("Requirements", "要件"),
    "path.caption": ("Credits and courses counted per group", "グループごとに数えた単位数と講座数"),
    "path.group": ("Group", "グループ"),
    "path.courses": ("Courses", "講座数"),
    "path.met": ("Met", "達成"),
    "path.of": ("of", "/"),
    "path.yes": ("Yes", "はい"),
    "path.not_yet": ("Not yet", "まだ"),
    "path.counted_toward": ("Counted toward {group}", "{group} に算入"),
    "path.credits_n": ("{credits} credits", "{credits} 単位"),
    "path.not_counted": ("Not counted", "算入されないもの"),
    "path.see": ("See your progress", "進捗を確認する"),
    "path.credentials": ("Your credentials", "あなたの証明書"),
    "path.credentials_hint": (
        "One credential, a JSON list of credentials, a verifiable presentation, or one VC-JWT per line. Nothing you send is stored.",
        "証明書 1 つ、証明書の JSON リスト、検証可能なプレゼンテーション、または 1 行に 1 つの VC-JWT。送信内容は保存されません。",
    ),
    "path.urls": ("Or their addresses (one per line)", "または証明書のアドレス（1 行に 1 つ）"),
    "path.check": ("Check my progress", "進捗を確認する"),
    "reason.unreadable": ("Not a credential", "証明書ではありません"),
    "reason.revoked": ("Revoked", "取り消し済み"),
    "reason.suspended": ("Suspended", "一時停止中"),
    "reason.expired": ("Expired", "有効期限切れ"),
    "reason.unverified": ("Does not verify", "検証できません"),
    "reason.different-learner": ("Issued to someone else", "別の学習者に発行されたもの"),
    "reason.unrecognised-issuer": ("Issuer not recognised", "認められていない発行機関"),
    "reason.not-in-pathway": ("Not part of this programme", "このプログラムの対象外"),
    "reason.too-old": ("Too old", "古すぎます"),
    "reason.result-missing": ("No result", "成績がありません"),
    "reason.result-below-minimum": ("Result below the minimum", "成績が基準未満"),
    "reason.duplicate-achievement": ("Already counted", "算入済み"),
    "site": ("Shomei · credential verification", "Shomei · 証明書の検証"),
    "footer": (
        "Checked by Shomei against Open Badges 3.0 and W3C Verifiable Credentials.",
        "Shomei が Open Badges 3.0 と W3C 検証可能な資格情報の仕様に沿って確認しました。",
    ),
    "skip": ("Skip to the content", "本文へ移動"),
    "language": ("Language", "言語"),
    # /verify
    "verify.title": ("Verify a credential", "証明書を検証する"),
    "verify.hint": (
        "Paste a credential, upload a badge image, or enter the credential's web address. Nothing you send is stored.",
        "証明書を貼り付けるか、バッジ画像をアップロードするか、証明書のウェブアドレスを入力してください。送信内容は保存されません。",
    ),
    "verify.credential": ("Credential (JSON or JWT)", "証明書（JSON または JWT）"),
    "verify.credential_hint": (
        "The text of an Open Badges 3.0 or W3C Verifiable Credential.",
        "Open Badges 3.0 または W3C 検証可能な資格情報のテキスト。",
    ),
    "verify.file": (
        "Or a badge image or credential file (PNG, SVG, JSON)",
        "またはバッジ画像・証明書ファイル（PNG、SVG、JSON）",
    ),
    "verify.url": ("Or the credential's address", "または証明書のアドレス"),
    "verify.submit": ("Verify", "検証する"),
    "verify.empty": (
        "Paste a credential, choose a file or enter an address.",
        "証明書を貼り付けるか、ファイルを選ぶか、アドレスを入力してください。",
    ),
    "verify.error": ("Could not check this", "確認できませんでした"),
    # verdicts and the card
    "status.valid": ("Valid", "有効"),
    "status.revoked": ("Revoked", "取り消し済み"),
    "status.suspended": ("Suspended", "一時停止中"),
    "status.expired": ("Expired", "有効期限切れ"),
    "status.invalid": ("Not valid", "無効"),
    "summary.valid": (
        "The signature is valid, it was signed by the issuer it names, it is within its dates and the "
        "issuer has not revoked it.",
        "署名は有効で、記載された発行者が署名しており、有効期間内で、発行者による取り消しもありません。",
    ),
    "summary.valid_no_status": (
        "The signature is valid, it was signed by the issuer it names and it is within its dates. It has no "
        "status list, so the issuer cannot revoke it and no revocation was checked.",
        "署名は有効で、記載された発行者が署名しており、有効期間内です。この証明書には失効リストがないため、"
        "発行者が取り消すことはできず、取り消しの確認は行っていません。",
    ),
    "summary.revoked": ("", "発行者がこの証明書を取り消しました。"),
    "summary.suspended": ("", "発行者がこの証明書を一時停止しています。"),
    "summary.expired": ("", "この証明書の有効期限は切れています。"),
    "summary.invalid": ("", "この証明書は検証に合格しませんでした。理由は次のとおりです。"),
    "card.heading": ("Credential", "証明書"),
    "card.image": ("Badge image of {name}", "{name} のバッジ画像"),
    "card.achievement": ("Achievement", "達成内容"),
    "card.issuer": ("Issuer", "発行者"),
    "card.recipient": ("Recipient", "受領者"),
    "card.issued": ("Issued", "発行日"),
    "card.valid_until": ("Valid until", "有効期限"),
    "card.status": ("Status", "状態"),
    "card.untitled": ("Credential", "証明書"),
    "trust.known": ("Known issuer", "既知の発行者"),
    "trust.unknown": ("Unknown issuer", "未確認の発行者"),
    "trust.listed": ("on the list “{list}” as {name}", "「{list}」に {name} として登録"),
    "trust.domain": ("verified domain {domains}", "確認済みドメイン {domains}"),
    "trust.no_domain": ("no verified domain", "確認済みドメインなし"),
    "trust.lookalike": (
        "Caution: the name looks like {names}, a known issuer, but this credential was signed by a different issuer.",
        "注意: 名称が既知の発行者 {names} に似ていますが、この証明書は別の発行者が署名しています。",
    ),
    "trust.renamed": (
        "Caution: the list “{list}” vouches for this issuer as {name}, not under the name this credential gives.",
        "注意: 「{list}」はこの発行者を {name} として登録しており、この証明書の名称では登録していません。",
    ),
    "trust.bidi": (
        "Caution: the issuer's name holds characters that change the direction of text, so it may display as a different name than it is.",
        "注意: 発行者名に文字の表示方向を変える制御文字が含まれており、実際とは異なる名称に見える場合があります。",
    ),
    "trust.unproven": ("The issuer could not be confirmed.", "発行者を確認できませんでした。"),
    # checks
    "checks.heading": ("What was checked", "確認した項目"),
    "outcome.passed": ("✓ Passed", "✓ 合格"),
    "outcome.failed": ("✗ Failed", "✗ 不合格"),
    "outcome.warning": ("! Warning", "! 注意"),
    "outcome.skipped": ("– Not checked", "– 未確認"),
    "check.format": ("Format", "形式"),
    "check.contexts": ("Vocabulary", "語彙"),
    "check.data-model": ("Data model", "データモデル"),
    "check.schema": ("Structure", "構造"),
    "check.proof": ("Signature", "署名"),
    "check.issuer": ("Issuer", "発行者"),
    "check.validity": ("Dates", "有効期間"),
    "check.status": ("Revocation", "失効状態"),
    "check.recipient": ("Learner", "学習者"),
    "check_ja.passed": ("", "この項目は確認できました。"),
    "check_ja.format.passed": ("", "証明書の形式を読み取れました。"),
    "check_ja.contexts.passed": ("", "すべての項目が既知の語彙で定義されています。"),
    "check_ja.data-model.passed": ("", "W3C 検証可能な資格情報のデータモデルに沿っています。"),
    "check_ja.schema.passed": ("", "Open Badges 3.0 のスキーマに適合しています。"),
    "check_ja.proof.passed": ("", "電子署名は有効です。"),
    "check_ja.issuer.passed": ("", "署名鍵は記載された発行者のものです。"),
    "check_ja.validity.passed": ("", "有効期間内です。"),
    "check_ja.status.passed": ("", "発行者による取り消し・一時停止はありません。"),
    "check_ja.recipient.passed": ("", "学習者の情報が一致しました。"),
    "check_ja.failed": ("", "この項目に問題があります。"),
    "check_ja.warning": ("", "この項目には注意点があります。"),
    "check_ja.skipped": ("", "この項目は確認していません。"),
    # descriptor profiles
    "profiles.heading": ("Micro-credential descriptors", "マイクロクレデンシャルの記述項目"),
    "profiles.claimed_ok": ("✓ Complete", "✓ 充足"),
    "profiles.claimed_missing": ("! Incomplete", "! 不足あり"),
    "profiles.unclaimed": ("Not claimed", "対象外"),
    "profiles.missing": ("missing or wrong: {rules}", "不足または誤り: {rules}"),
    "profiles.unclaimed_hint": (
        "The credential does not claim this profile; it is shown for information.",
        "この証明書はこのプロファイルへの準拠を表明していません（参考表示）。",
    ),
    "profile.ob3-minimal": ("Open Badges 3.0 minimum", "Open Badges 3.0 最小要件"),
    "profile.eu-microcredential": (
        "EU micro-credential (Council Recommendation 2022, Annex I)",
        "EU マイクロクレデンシャル（2022年理事会勧告 附属書 I）",
    ),
    "profile.jp-mc-framework": ("Japanese micro-credential framework", "日本のマイクロクレデンシャル枠組み"),
    # the credential page
    "credential.awarded": ("Awarded by {issuer}", "発行者: {issuer}"),
    "credential.awarded_to": ("Awarded by {issuer} to {learner}", "{learner} さんに {issuer} が授与"),
    "credential.about": ("About this micro-credential", "このマイクロクレデンシャルについて"),
    "credential.description": ("Description", "説明"),
    "credential.share": ("Share and download", "共有とダウンロード"),
    "credential.qr_alt": ("QR code linking to this page", "このページへの QR コード"),
    "credential.json": ("Credential (JSON-LD)", "証明書（JSON-LD）"),
    "credential.jwt": ("Credential (VC-JWT)", "証明書（VC-JWT）"),
    "credential.svg": ("Baked badge (SVG)", "証明書入りバッジ（SVG）"),
    "credential.png": ("Baked badge (PNG)", "証明書入りバッジ（PNG）"),
    "credential.qr_png": ("QR code (PNG)", "QR コード（PNG）"),
    "credential.pdf": ("Certificate (PDF)", "証明書（PDF）"),
    "credential.linkedin": ("Add to LinkedIn profile", "LinkedIn のプロフィールに追加"),
    "descriptor.outcomes": ("Learning outcomes", "学習成果"),
    "descriptor.notionalWorkloadHours": ("Workload (hours)", "学習時間（時間）"),
    "descriptor.participationForm": ("Form of participation", "参加形態"),
    "descriptor.assessmentMethod": ("Assessment", "評価方法"),
    "descriptor.entryRequirement": ("Entry requirements", "受講要件"),
    "descriptor.qaClass": ("Quality assurance class", "質保証の区分"),
    "descriptor.credits": ("Credits", "単位"),
    "descriptor.level": ("Level", "レベル"),
    "descriptor.qa": ("Quality assurance", "質保証"),
    "descriptor.stackability": ("Stackability", "積み上げ"),
    "descriptor.towards": ("towards {targets}", "対象: {targets}"),
    # the claim page
    "claim.title": ("Add {name} to your wallet", "{name} をウォレットに追加"),
    "claim.heading": ("Add your credential to a wallet", "証明書をウォレットに追加する"),
    "claim.awarded": ("{name}, awarded by {issuer}.", "{name}（発行者: {issuer}）"),
    "claim.scan": (
        "Scan this code with your wallet app (EU Digital Identity Wallet, Learner Credential Wallet or any OpenID4VCI wallet):",
        "ウォレットアプリ（EU デジタル ID ウォレット、Learner Credential Wallet、または OpenID4VCI 対応ウォレット）でこのコードを読み取ってください。",
    ),
    "claim.qr_alt": (
        "QR code of the credential offer for your wallet",
        "ウォレット用の証明書オファーの QR コード",
    ),
    "claim.open": ("open the offer in your wallet", "ウォレットでオファーを開く"),
    "claim.open_before": ("On the phone that holds your wallet, ", "ウォレットの入ったスマートフォンでは、"),
    "claim.open_after": (" instead.", "こともできます。"),
    "claim.tx_code": (
        "Your wallet will ask for a 6-digit code. Your institution gave it to you separately; it is not on this page.",
        "ウォレットが 6 桁のコードを求めます。コードは教育機関から別途お知らせしています（このページには表示されません）。",
    ),
    "claim.view": ("view and download the credential", "証明書を表示・ダウンロード"),
    "claim.view_before": ("You can also ", "また、"),
    "claim.view_after": (" (JSON, JWT or a badge image).", "できます（JSON、JWT、バッジ画像）。"),
    # the wallet's consent page (OpenID4VCI authorization code flow)
    "consent.title": ("Add {name} to your wallet", "{name} をウォレットに追加"),
    "consent.error": ("Error: ", "エラー: "),
    "consent.your_credential": ("your credential", "あなたの証明書"),
    "consent.heading": ("Add your credential to your wallet", "証明書をウォレットに追加する"),
    "consent.asks": (
        "Your wallet asks {issuer} for your credential.",
        "ウォレットが {issuer} に証明書を求めています。",
    ),
    "consent.issuer": ("Issuer", "発行者"),
    "consent.credential": ("Credential", "証明書"),
    "consent.receives": ("Your wallet receives", "ウォレットが受け取るもの"),
    "consent.returns": ("You then return to", "その後の戻り先"),
    "consent.code": ("6-digit code from your institution", "教育機関から届いた 6 桁のコード"),
    "consent.code_hint": (
        "Your institution gave you this code separately; it is not in the offer. After three wrong codes the offer stops working.",
        "このコードは教育機関から別途お知らせしています（オファーには含まれません）。3 回間違えるとオファーは使えなくなります。",
    ),
    "consent.approve": ("Add to my wallet", "ウォレットに追加"),
    "consent.cancel": ("Cancel", "キャンセル"),
    "consent.failed": ("This request cannot be completed", "このリクエストは完了できません"),
    "consent.failed_text": (
        "Go back to your wallet and start again from the credential offer. If that does not help, contact the institution that offered you the credential.",
        "ウォレットに戻り、証明書のオファーからやり直してください。解決しない場合は、証明書を発行した教育機関にお問い合わせください。",
    ),
    "consent.error_code": ("Error code:", "エラーコード:"),
    # errors
    "notfound.title": ("Credential not found", "証明書が見つかりません"),
    "notfound.text": (
        "There is no credential at this address. Check the address for typing mistakes, or ask the person who shared it with you for a new link.",
        "このアドレスに証明書はありません。アドレスに誤りがないか確認するか、共有した人に新しいリンクを依頼してください。",
    ),
    "notfound.verify": ("Verify a credential", "証明書を検証する"),
}


def pick_language(query: str | None, accept_language: str | None) -> str:
    """``query`` (``?lang=``) when it is one of :data:`LANGUAGES`, else the best of ``Accept-Language``."""
    if query and query.strip().lower()[:2] in LANGUAGES:
        return query.strip().lower()[:2]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else "en"


def format_date(value: str | dt.date | None, lang: str) -> str:
    """An ISO date or date-time (its date part), as ``lang`` writes it; the text itself when unreadable."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    if lang == "ja":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


def person_name(given: Any, family: Any, lang: str, *, fallback: Any = None) -> str | None:
    """A person's name in the learner's order: a name written in CJK script family name first without a
    space, in any language; otherwise family name first in Japanese, given name first in English."""
    given_text, family_text = (str(p).strip() if p else "" for p in (given, family))
    parts = [p for p in (given_text, family_text) if p]
    if not parts:
        return str(fallback) if fallback else None
    if all(_wide(p) for p in parts):
        return "".join(p for p in (family_text, given_text) if p)
    ordered = (family_text, given_text) if lang == "ja" else (given_text, family_text)
    return " ".join(p for p in ordered if p)


@dataclass(frozen=True, slots=True)
class Words:
    """The catalogue in one language: ``words("id", name=...)`` in templates and code."""

    lang: str

    def __call__(self, key: str, **values: Any) -> str:
        pair = _CATALOGUE.get(key)
        if pair is None:
            return key
        text = pair[1] if self.lang == "ja" and pair[1] else pair[0]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in _CATALOGUE

    def date(self, value: str | dt.date | None) -> str:
        return format_date(value, self.lang)

    def name(self, subject: Mapping[str, Any]) -> str | None:
        return person_name(
            subject.get("givenName"), subject.get("familyName"), self.lang, fallback=subject.get("name")
        )

    @property
    def other(self) -> str:
        """The other language (for the switch link)."""
        return "en" if self.lang == "ja" else "ja"
