import uuid

from django.db import models


class BareCustomer(models.Model):
    """Goodwill's customer row with its first phone, email and VIN on the row itself."""

    dealership_id = models.BigIntegerField()
    public_id = models.UUIDField(default=uuid.uuid4, unique=True)
    kind = models.CharField(max_length=10, default="person")
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    company_name = models.CharField(max_length=150, blank=True)
    relationship = models.CharField(max_length=10, default="prospect")
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    notes = models.TextField(blank=True)
    primary_phone = models.CharField(max_length=20, blank=True)
    primary_email = models.CharField(max_length=254, blank=True)
    vin = models.CharField(max_length=17, blank=True)
    search_name = models.CharField(max_length=320, blank=True)
    salesperson_id = models.BigIntegerField(null=True)
    service_advisor_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "bench_bare_customer"
        ordering = ["last_name", "first_name", "company_name"]
        # Goodwill's customer indexes, and the ones its phone / email / VIN tables have.
        indexes = [
            models.Index(fields=["dealership_id", "last_name", "first_name"], name="bare_name"),
            models.Index(fields=["dealership_id", "salesperson_id"], name="bare_sales"),
            models.Index(fields=["dealership_id", "updated_at"], name="bare_updated"),
            models.Index(fields=["dealership_id", "primary_phone"], name="bare_phone"),
            models.Index(fields=["dealership_id", "primary_email"], name="bare_email"),
            models.Index(fields=["dealership_id", "vin"], name="bare_vin"),
        ]
