from django import forms

SCOPE_CHOICES = [("read", "read — every GET"), ("write", "write — create and change"), ("admin", "admin — delete, settings, members")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple, initial=["read", "write"])
    expires_in_days = forms.IntegerField(min_value=1, max_value=3650, required=False, help_text="Leave empty for no expiry")
