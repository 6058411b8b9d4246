import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from conversations.models import Conversation, Visitor

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    groups = factory.PostGeneration(lambda user, create, names, **kw: _join(user, create, names))


def _join(user, create, names) -> None:
    if create:
        user.groups.add(*Group.objects.filter(name__in=names or []))
        user.save()


class AgentFactory(UserFactory):
    groups = factory.PostGeneration(
        lambda user, create, names, **kw: _join(user, create, names or ["agents"])
    )


class SupervisorFactory(UserFactory):
    is_staff = True
    groups = factory.PostGeneration(
        lambda user, create, names, **kw: _join(user, create, names or ["agents", "supervisors"])
    )


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visitor
        skip_postgeneration_save = True

    name = factory.Faker("first_name")
    email = factory.Faker("email")
    page_url = "https://shop.example/products/1"

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        # The bearer token is only known at creation; tests read it from `.token`.
        self.token = self.issue_token()
        if create:
            self.save()


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    visitor = factory.SubFactory(VisitorFactory)
