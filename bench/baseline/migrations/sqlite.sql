-- The schema of the payment service (as msgen generates it), for the baseline.

create table if not exists "payments" (
    "id" blob primary key,
    "order_id" blob not null,
    "amount" text not null,
    "currency" text not null,
    "status" text not null default 'pending' constraint "payments_status_check" check ("status" in ('pending', 'succeeded', 'failed')),
    "customer_email" text not null,
    "note" text,
    "created_at" text not null,
    "updated_at" text not null,
    "version" integer not null default 1
);

create index if not exists "payments_order_id_idx" on "payments" ("order_id");

create index if not exists "payments_status_idx" on "payments" ("status");

create table if not exists "refunds" (
    "id" blob primary key,
    "payment_id" blob not null constraint "refunds_payment_id_fkey" references "payments" ("id") on delete cascade,
    "amount" text not null,
    "reason" text not null,
    "created_at" text not null,
    "updated_at" text not null,
    "version" integer not null default 1
);

create index if not exists "refunds_payment_id_idx" on "refunds" ("payment_id");
