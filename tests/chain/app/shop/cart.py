"""Shopping cart arithmetic."""


def total(items):
    """Sum of price * quantity over (price, quantity) pairs, in cents."""
    return sum(price * quantity for price, quantity in items)


def apply_discount(amount, percent):
    """Amount after a percentage discount, rounded down to the cent."""
    if not 0 <= percent <= 100:
        raise ValueError(f"discount must be between 0 and 100, got {percent}")
    return amount * (100 - percent) // 100


def is_empty(items):
    """True when the cart holds nothing."""
    return len(items) == 0
