-- Egress client certificates issued from a team's CA (a private_certificates row sharing the id of its
-- client_certificates slot) are now found due by next_renewal_at, through private_certificates_renewal_idx, instead of
-- by an expression over every slot. Those installed before carry none: give each the time renewal/policy.ts
-- renewalDueAt gives a new one (a third of the lifetime left, half under ten days; times in milliseconds). Data only:
-- one UPDATE, which D1 runs in the migration's transaction.
UPDATE `private_certificates`
SET `next_renewal_at` = `not_after` - (`not_after` - `not_before`) / (CASE WHEN `not_after` - `not_before` < 864000000 THEN 2 ELSE 3 END)
WHERE `next_renewal_at` IS NULL AND `auto_renew` = 1 AND `status` = 'active'
  AND `id` IN (SELECT `id` FROM `client_certificates`);
