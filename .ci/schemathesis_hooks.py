"""schemathesis hooks for .ci/schemathesis.

The SES routes are signed with AWS SigV4, which no OpenAPI security scheme describes, so every
request to them is signed here, over the bytes actually sent, with botocore's own signer and the
credentials `governor keys create --aws` printed (GOVERNOR_AWS_KEY_ID, GOVERNOR_AWS_SECRET_KEY).

Some of what makes a request valid no JSON Schema states: an RFC 5322 mailbox, a MIME message,
JSON inside a form field, a category the policy in force names, a time not in the future, "html
or text", "source is required when the status is granted". The hooks below set those, as a real
client would send them, so generated requests get past validation to the rules; every other
field stays as generated.
"""

import base64
import json
import os
import random
import zlib

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SIGNED_PATHS = {"/", "/v2/email/outbound-emails"}
draws = random.Random(20261208)
MAILBOXES = [
    "c1@example.com", "Ana Pérez <c2@example.com>", '"Pérez, Ana" <c3@example.org>',
    "o'brien+tag@sub.example.co.uk", "Zoë <zoe@example.net>",
]
ADDRESSES = ["c1@example.com", "c2@example.com", "o'brien+tag@example.org"]
BODIES = ["Hello", "Spring sale: 20% off https://shop.example/sale?utm_source=mail"]


def items(value):
    """A list as generated, or nothing: a negative case may hold anything."""
    return value if isinstance(value, list) else []


def category():
    return os.environ["GOVERNOR_TEST_CATEGORY"]


def mime_message():
    return (
        "From: Shop <shop@shop.example>\r\nTo: c1@example.com\r\nSubject: Shipped\r\n"
        f"X-Governor-Category: {category()}\r\n\r\nIt is on its way.\r\n"
    )


class AmazonSignature(requests.auth.AuthBase):
    def __call__(self, request):
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        signed = AWSRequest(
            method=request.method, url=request.url, data=request.body or b"", headers=headers
        )
        credentials = Credentials(
            os.environ["GOVERNOR_AWS_KEY_ID"], os.environ["GOVERNOR_AWS_SECRET_KEY"]
        )
        SigV4Auth(credentials, "ses", "eu-west-1").add_auth(signed)
        for name in ("Authorization", "X-Amz-Date"):
            request.headers[name] = signed.headers[name]
        return request


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path in SIGNED_PATHS:
        kwargs["auth"] = AmazonSignature()


def message(body):
    body["to"] = draws.choice(MAILBOXES)
    body["from"] = draws.choice(MAILBOXES)
    # A template goes only to a sender of its provider, and this gateway's is an outbox.
    body.pop("template", None)
    # JSON Schema's propertyNames is not honoured by the generator; some names are refused too.
    if "headers" in body:
        body["headers"] = {"X-Campaign-Tag": "spring"}
    if "text" not in body and "html" not in body and "template" not in body:
        body["text"] = draws.choice(BODIES)
    body["category"] = category()
    return body


def batch(body):
    for item in items(body.get("messages")):
        if isinstance(item, dict):
            message(item)
    return body


def dry_run(body):
    campaign = body.get("campaign")
    if isinstance(campaign, dict):
        campaign["from"] = draws.choice(MAILBOXES)
        campaign["category"] = category()
        if "text" not in campaign and "html" not in campaign:
            campaign["text"] = draws.choice(BODIES)
    for recipient in items(body.get("recipients")):
        if isinstance(recipient, dict) and "email" in recipient:
            recipient["email"] = draws.choice(ADDRESSES)
    return body


def send_grid(body):
    for personalization in items(body.get("personalizations")):
        if isinstance(personalization, dict):
            for field in ("to", "cc", "bcc"):
                for address in items(personalization.get(field)):
                    if isinstance(address, dict):
                        address["email"] = draws.choice(ADDRESSES)
    if isinstance(body.get("from"), dict):
        body["from"]["email"] = draws.choice(ADDRESSES)
    arguments = body.setdefault("custom_args", {})
    if isinstance(arguments, dict):
        arguments["category"] = category()
    if not body.get("content") and "template_id" not in body:
        body["content"] = [{"type": "text/plain", "value": draws.choice(BODIES)}]
    return body


def ses_v2(body):
    body["FromEmailAddress"] = draws.choice(MAILBOXES)
    destination = body.setdefault("Destination", {})
    if isinstance(destination, dict):
        destination["ToAddresses"] = [draws.choice(MAILBOXES)]
    body["ListManagementOptions"] = {"ContactListName": "customers", "TopicName": category()}
    return body


def ses_v1(body):
    body["Tags.member.1.Name"] = "category"
    body["Tags.member.1.Value"] = category()
    if body.get("Action") == "SendRawEmail":
        body["RawMessage.Data"] = base64.b64encode(mime_message().encode()).decode()
    else:
        body["Source"] = draws.choice(MAILBOXES)
        body["Destination.ToAddresses.member.1"] = draws.choice(MAILBOXES)
        if "Message.Body.Text.Data" not in body and "Message.Body.Html.Data" not in body:
            body["Message.Body.Text.Data"] = draws.choice(BODIES)
    return body


def mailgun(body):
    body["v:category"] = category()
    body["from"] = draws.choice(MAILBOXES)
    body["to"] = draws.choice(ADDRESSES)
    if "text" not in body and "html" not in body:
        body["text"] = draws.choice(BODIES)
    if "recipient-variables" in body:
        body["recipient-variables"] = json.dumps({"c1@example.com": {"first": "Ana"}})
    return body


def mailgun_mime(body):
    body["to"] = draws.choice(ADDRESSES)
    body["message"] = mime_message()
    return body


def listmonk(body):
    for recipient in items(body.get("recipients")):
        if isinstance(recipient, dict):
            recipient["email"] = draws.choice(ADDRESSES)
            # A consent attribute has a grammar of its own (ListmonkConsentTests hold it).
            if isinstance(recipient.get("attribs"), dict):
                recipient["attribs"].pop("consent", None)
    # An attachment's content is base64, its headers MIME headers.
    for attachment in items(body.get("attachments")):
        if isinstance(attachment, dict):
            attachment["content"] = base64.b64encode(b"%PDF-1.4 receipt").decode()
            attachment.pop("header", None)
    campaign = body.setdefault("campaign", {})
    if isinstance(campaign, dict):
        campaign["tags"] = [category()]
        campaign["from_email"] = draws.choice(MAILBOXES)
        if "headers" in campaign:
            campaign["headers"] = [{"X-Campaign-Tag": "spring"}]
    return body


def consent(body):
    body["at"] = "2026-01-01T00:00:00Z"
    body.setdefault("source", "signup form")
    return body


def address(body):
    body["email"] = draws.choice(MAILBOXES)
    return body


def sns(body):
    if isinstance(body, str):
        notification = {
            "notificationType": "Bounce",
            "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "c1@example.com"}]},
            "mail": {"messageId": "0100-st", "destination": ["c1@example.com"]},
        }
        body = json.dumps({
            "Type": "Notification", "MessageId": f"st-{draws.random()}",
            "Message": json.dumps(notification), "Timestamp": "2026-11-18T10:00:01.000Z",
        })
    return body


def unsubscribe(body):
    if "List-Unsubscribe" not in body and "choice" not in body:
        body["List-Unsubscribe"] = "One-Click"
    return body


def policy(body):
    # The sections the spec describes only as objects have a grammar of their own, the policy
    # loader's (policy-fuzz fuzzes it); a category may need only purposes the policy declares.
    if "default_time_zone" in body:
        body["default_time_zone"] = "Europe/Madrid"
    categories = body.get("categories")
    for definition in categories.values() if isinstance(categories, dict) else []:
        if isinstance(definition, dict):
            definition.pop("consent", None)
    body.pop("consent", None)
    for section in ("suppression", "caps", "frequency_preference", "quiet_hours", "tracking",
                    "headers", "reputation", "sender", "content"):
        body.pop(section, None)
    return body


REALISTIC = {
    "submitMessage": message,
    "submitBatch": batch,
    "dryRun": dry_run,
    "sendGridMailSend": send_grid,
    "sesV2SendEmail": ses_v2,
    "sesV1": ses_v1,
    "mailgunSend": mailgun,
    "mailgunSendMime": mailgun_mime,
    "listmonkMessenger": listmonk,
    "recordConsent": consent,
    "changeAddress": address,
    "sesEvents": sns,
    "unsubscribe": unsubscribe,
    "checkPolicy": policy,
}


def realistic(operation, body):
    global draws
    fill = REALISTIC.get(operation.definition.raw.get("operationId"))
    if fill is None or not isinstance(body, (dict, str)):
        return body
    if isinstance(body, str) and fill is not sns:
        return body
    # Drawn from the body itself: the same generated body gets the same values when hypothesis
    # replays it, as it does to shrink a failure.
    draws = random.Random(zlib.crc32(repr(body).encode()))
    return fill(body)


# The coverage phase runs `map_case`, where a case says whether it is meant to be valid; the
# fuzzing and stateful phases draw bodies through strategies, which run `map_body` and say
# nothing of the kind, so there every body is filled (a case meant to be invalid keeps its
# other faults; BadInputTests and the coverage phase hold the refusals of these fields).
@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is not None and meta.generation.mode.name == "NEGATIVE":
        return case
    case.body = realistic(case.operation, case.body)
    return case


@schemathesis.hook
def map_body(context, body):
    return realistic(context.operation, body)
