"""What every REST endpoint shares: the error shape, pagination, filters, scoped lists."""
