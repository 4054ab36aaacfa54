import pytest
from django.db import connection

from ebikeops.core.models import User
from ebikeops.core.pseudonyms import PSEUDONYM_SQL, Pseudonym, pseudonym, pseudonym_key


def test_it_is_stable_and_distinct_per_user():
    assert pseudonym(7) == pseudonym(7)
    assert pseudonym(7) != pseudonym(8)
    assert pseudonym(7).startswith("officer-") and len(pseudonym(7)) == len("officer-") + 10
    assert pseudonym(None) is None


def test_it_changes_with_the_key(settings):
    before = pseudonym(7)
    settings.PSEUDONYM_KEY = "another force's key"
    assert pseudonym(7) != before


@pytest.mark.django_db
def test_postgresql_computes_the_same_pseudonym():
    sql = "SELECT " + PSEUDONYM_SQL.format(user_id="12345") + ", " + PSEUDONYM_SQL.format(user_id="NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql, [pseudonym_key(), pseudonym_key()])
        assert cursor.fetchone() == (pseudonym(12345), None)


@pytest.mark.django_db
def test_the_orm_expression_gives_the_same_pseudonym(officer):
    assert User.objects.filter(pk=officer.pk).values_list(Pseudonym("id"), flat=True).get() == pseudonym(officer.pk)
