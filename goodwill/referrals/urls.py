from django.urls import path

from goodwill.referrals import actions, thank_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_create, name="create"),
    path("reciprocity/", views.reciprocity, name="reciprocity"),
    path("thanks/", views.thanks, name="thanks"),
    path("partners/", views.partners, name="partners"),
    path("settings/", views.policy, name="policy"),
    path("thanks/<uuid:thankyou_id>/", thank_views.thank_you_detail, name="thank_you"),
    path("thanks/<uuid:thankyou_id>/send/", thank_views.thank_you_send, name="thank_you_send"),
    path(
        "thanks/<uuid:thankyou_id>/letter/", thank_views.thank_you_letter, name="thank_you_letter"
    ),
    path("rewards/<uuid:reward_id>/decide/", views.reward_decide, name="reward_decide"),
    path("<uuid:referral_id>/", views.referral_detail, name="detail"),
    *[
        path(
            f"<uuid:referral_id>/{name.replace('_', '-')}/",
            views.referral_transition,
            {"action": name},
            name=name,
        )
        for name in actions.TRANSITIONS
    ],
]
