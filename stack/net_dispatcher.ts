// placeholder: replaced by the pg_net dispatcher
setInterval(() => {}, 1 << 30);
