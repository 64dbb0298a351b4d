import pytest

from shop.cart import apply_discount, is_empty, total


def test_total_sums_price_times_quantity():
    assert total([(250, 2), (100, 1)]) == 600


def test_empty_cart_totals_zero():
    assert total([]) == 0
    assert is_empty([])


def test_discount_rounds_down():
    assert apply_discount(999, 10) == 899


def test_discount_out_of_range_is_refused():
    with pytest.raises(ValueError):
        apply_discount(100, 120)
