from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "goodwill.messaging"
    label = "messaging"
    verbose_name = "Texts and emails"
