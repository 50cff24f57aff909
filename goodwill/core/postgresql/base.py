"""Django's PostgreSQL backend, with bulk writes cut to the protocol's parameter limit.

Why: the connection binds parameters on the server (settings.py, `server_side_binding`,
for plans PostgreSQL keeps). The wire protocol carries at most 65,535 parameters a
statement, and Django's PostgreSQL backend knows no limit (with parameters bound by the
client there was none), so a `bulk_create` of many rows failed with "number of parameters
must be between 0 and 65535": `goodwill simulate --dealerships 20000` did, writing its
staff. Here, as Django's SQLite and Oracle backends do for their own limits, a bulk
insert, a bulk update, a deletion's batches and `in_bulk` are cut so that no statement
carries more. (An `__in` of more than 65,535 values in one filter is still refused: no
code here builds one; lists that long go as one array parameter, `= ANY(%s)`.)"""

from django.db.backends.postgresql import base, features, operations

MAX_PARAMS = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    max_query_params = MAX_PARAMS


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        fields = list(fields)
        return max(1, MAX_PARAMS // len(fields)) if fields else len(objs)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
    ops_class = DatabaseOperations
