from django.urls import path

from goodwill.referrals import actions, views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.referral_create, name="create"),
    path("reciprocity/", views.reciprocity, name="reciprocity"),
    path("thanks/", views.thanks, name="thanks"),
    path("partners/", views.partners, name="partners"),
    path("settings/", views.policy, name="policy"),
    path("thanks/<uuid:thankyou_id>/done/", views.thank_you_done, name="thank_you_done"),
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
