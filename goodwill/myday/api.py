"""`GET /api/v1/my-day`: the same list the My day page shows (`items.my_day`)."""

from dataclasses import asdict
from datetime import datetime

from ninja import Field, Router, Schema

from goodwill.myday.items import my_day

router = Router(tags=["my day"])


class ActionOut(Schema):
    label: str
    url: str = Field(description="A page, a `tel:` link, or where to POST (method post)")
    method: str = Field(description="get or post")
    allowed: bool = Field(description="False when consent, the contact cap or quiet hours forbid")
    reason: str
    channel: str = Field(description="phone, text or email for contact actions")


class ItemOut(Schema):
    kind: str = Field(
        description="up, turnover, referral, follow_up, appointment, thank_you, "
        "thank_you_received, fails_case, opportunity, message, recovery"
    )
    kind_label: str
    id: str = Field(description="The public id of the row behind the line")
    title: str
    detail: str
    url: str
    rank: int = Field(description="0 in the showroom now, 1 overdue, 2 due today, 3 open work")
    when: datetime | None
    overdue: bool
    note: str
    customer_id: str | None
    phone: str
    email: str
    cap: str = Field(description="The contact cap for follow-ups: '1 of 2 contacts this week'")
    owner: str = Field(description="Whose item it is, on a manager's team lines")
    team: bool = Field(description="A team member's overdue item (managers)")
    actions: list[ActionOut]


class MyDayOut(Schema):
    now: datetime
    count: int = Field(description="My own items (the nav's count)")
    ack_business_hours: int = Field(description="The store's acknowledgement limit")
    items: list[ItemOut]


@router.get("/my-day", response=MyDayOut, summary="What is mine to do now, most urgent first")
def get_my_day(request):
    day = my_day(request.user)
    return {
        "now": day.now,
        "count": day.count,
        "ack_business_hours": day.ack_hours,
        "items": [asdict(item) for item in day.items],
    }
