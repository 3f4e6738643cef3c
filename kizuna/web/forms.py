from django import forms

from kizuna import policy

SCOPE_CHOICES = [("read", "read — every GET"), ("write", "write — create and change"), ("admin", "admin — delete, settings, members")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=["read", "write"])
    expires_in_days = forms.IntegerField(min_value=1, max_value=3650, required=False, help_text="Leave empty for no expiry")


TRUST_CHOICES = [(0, "0 · Untrusted"), (1, "1 · Restricted"), (2, "2 · Standard"), (3, "3 · Elevated"), (4, "4 · Autonomous")]


def trust_choices_for(user) -> list[tuple[int, str]]:
    """The levels this user may grant (kizuna.policy: operators 0–3, staff 0–4)."""
    return TRUST_CHOICES[: policy.max_grantable_trust(user) + 1]


class AgentForm(forms.Form):
    name = forms.CharField(max_length=39, help_text="a-z, 0-9 and -; unique across agents and users")
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    model_family = forms.CharField(max_length=100)
    model_version = forms.CharField(max_length=100)
    capabilities = forms.CharField(required=False, help_text="comma-separated, e.g. ci, review")
    trust_level = forms.TypedChoiceField(coerce=int, choices=TRUST_CHOICES, initial=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trust_level"].choices = trust_choices_for(user)

    def clean_capabilities(self):
        return [c.strip() for c in self.cleaned_data["capabilities"].split(",") if c.strip()]


class TrustForm(forms.Form):
    trust_level = forms.TypedChoiceField(coerce=int, choices=TRUST_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trust_level"].choices = trust_choices_for(user)
