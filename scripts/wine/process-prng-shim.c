/* Test-only stand-in for bcryptprimitives.dll under Wine 8, which lacks it: Rust's std imports
 * ProcessPrng from it, so portdesk.exe would not start ("bcryptprimitives.dll not found").
 * scripts/windows-check.sh puts it into the Wine prefix's system32; it is never shipped
 * (Windows 10 and later have the real DLL). Forwards to advapi32's RtlGenRandom. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
