-- Domains created before scaling groups existed may use the default scaling group, as new domains
-- may; version 3 allowed only the domain 'default'.
INSERT INTO scaling_group_domains (scaling_group, domain_name)
SELECT 'default', d.name FROM domains d
WHERE NOT EXISTS (
    SELECT 1 FROM scaling_group_domains s
    WHERE s.scaling_group = 'default' AND s.domain_name = d.name);
