namespace Kcp.AspNetCore;
