; Portdesk's Windows installer, compiled offline by Debian's makensis (scripts/build-installer.sh).
;
; Defines passed by the build script:
;   VERSION  x.y.z from the workspace Cargo.toml
;   SRC      folder holding portdesk.exe and WebView2Loader.dll
;   ICON     icons/icon.ico
;   OUTFILE  Portdesk-Setup-<version>.exe
;
; Command line (all optional, any order):
;   /S                 silent: no window, no question (IT deployment)
;   /ALLUSERS          per-machine into Program Files (for kiosks and shared PCs; needs an
;                      elevated administrator); default: per-user into
;                      %LOCALAPPDATA%\Programs\Portdesk, no administrator rights
;   /NODESKTOPSHORTCUT no desktop shortcut (a Start-menu shortcut is always made)
;   /KIOSK             also start "portdesk.exe --kiosk" at sign-in (Startup folder)
;   /D=<folder>        another install folder (NSIS's own switch: last, unquoted)
; Uninstaller: /S silent; /DELETEDATA also removes this Windows user's Portdesk data (kept
; otherwise).
;
; Exit codes: 0 installed; 1 cancelled; 2 aborted (e.g. Portdesk was running and the user
; cancelled); 740 /ALLUSERS without an elevated administrator. A missing WebView2 runtime does
; not stop an install (an IT department may deploy it afterwards): interactive installs say so
; and offer the download page; silent ones note it in install.log beside portdesk.exe.

Unicode true
; A 64-bit installer: wine64 and 64-bit Windows run it natively, and it sees the 64-bit registry.
Target amd64-unicode
; COMPRESSOR lets a test build a throwaway installer quickly (-DCOMPRESSOR=zlib).
!ifdef COMPRESSOR
  SetCompressor /SOLID ${COMPRESSOR}
!else
  SetCompressor /SOLID lzma
!endif
ManifestDPIAware true
RequestExecutionLevel user

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include Sections.nsh

!ifndef VERSION
  !error "VERSION is not defined (makensis -DVERSION=x.y.z)"
!endif

!define APP "Portdesk"
!define PUBLISHER "Portdesk"
!define EXE "portdesk.exe"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Portdesk"
!define WEBVIEW2_GUID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define WEBVIEW2_URL "https://developer.microsoft.com/microsoft-edge/webview2/"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
BrandingText "${APP} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIFileVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${APP}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APP} ${VERSION} Setup"
VIAddVersionKey /LANG=1033 "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=1033 "LegalCopyright" "Copyright ${PUBLISHER}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP}"
!define MUI_COMPONENTSPAGE_NODESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Var AllUsers        ; 1: per-machine (HKLM, Program Files, all users' Start menu)
Var Log             ; install.log beside the program

; $R0 = 1 when the account runs with administrator rights (elevated).
!macro IsAdmin
  UserInfo::GetAccountType
  Pop $R0
  ${If} $R0 == "Admin"
    StrCpy $R0 1
  ${Else}
    StrCpy $R0 0
  ${EndIf}
!macroend


Function WriteLog
  ; $R9: the line
  FileWrite $Log "$R9$\r$\n"
FunctionEnd

; Sets $R0 to the WebView2 runtime version, or "" when none is installed (Microsoft's documented
; check: the EdgeUpdate client key's "pv", per-machine in either registry view, or per-user).
Function FindWebView2
  StrCpy $R0 ""
  ReadRegStr $R0 HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${If} $R0 == ""
  ${OrIf} $R0 == "0.0.0.0"
    ReadRegStr $R0 HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $R0 == ""
  ${OrIf} $R0 == "0.0.0.0"
    ReadRegStr $R0 HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_GUID}" "pv"
  ${EndIf}
  ${If} $R0 == "0.0.0.0"
    StrCpy $R0 ""
  ${EndIf}
FunctionEnd

Section "${APP} (required)" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"

  ; An upgrade cannot replace a running program: ask to close it (silent: give up, code 2).
  ${Do}
    ${IfNot} ${FileExists} "$INSTDIR\${EXE}"
      ${Break}
    ${EndIf}
    ; Windows refuses to open a running program's .exe for writing (a rename would pass):
    ; this tells whether it can be replaced. Nothing is written.
    ClearErrors
    FileOpen $0 "$INSTDIR\${EXE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP} is running. Close every ${APP} window (and the tray icon), then choose Retry." /SD IDCANCEL IDRETRY`
      Abort "${APP} is running; nothing was changed."
    ${EndIf}
  ${Loop}

  File "${SRC}\${EXE}"
  File /nonfatal "${SRC}\WebView2Loader.dll"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  FileOpen $Log "$INSTDIR\install.log" a
  FileSeek $Log 0 END
  ${GetTime} "" "L" $0 $1 $2 $3 $4 $5 $6
  StrCpy $R9 "$2-$1-$0 $4:$5:$6 installed ${APP} ${VERSION} into $INSTDIR"
  Call WriteLog
  ${If} $AllUsers == 1
    StrCpy $R9 "  for all users"
  ${Else}
    StrCpy $R9 "  for this user"
  ${EndIf}
  Call WriteLog

  ; Start menu (per-user or all users, following the shell context).
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  ; Add/Remove Programs.
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  ${If} $AllUsers == 1
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
    WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
    WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
    WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0
    WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${Else}
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
    WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
    WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE},0"
    WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
    WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
    WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
    WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${EndIf}
  ; The uninstaller reads the mode from a file beside it (it may be run without the switch).
  ${If} $AllUsers == 1
    FileOpen $0 "$INSTDIR\install-mode" w
    FileWrite $0 "allusers"
    FileClose $0
  ${Else}
    Delete "$INSTDIR\install-mode"
  ${EndIf}

  Call FindWebView2
  ${If} $R0 == ""
    StrCpy $R9 "  WebView2 runtime: MISSING. ${APP}'s windows need it; install it from ${WEBVIEW2_URL} (the command line works without it)."
    Call WriteLog
    DetailPrint "The Microsoft Edge WebView2 runtime is not installed: ${WEBVIEW2_URL}"
    MessageBox MB_YESNO|MB_ICONEXCLAMATION "${APP} needs the Microsoft Edge WebView2 Runtime to show its windows, and this computer does not have it.$\r$\n$\r$\nInstall the Evergreen Runtime from:$\r$\n${WEBVIEW2_URL}$\r$\n$\r$\n${APP} itself is installed and will start once the runtime is there. Open the download page now?" /SD IDNO IDNO +2
    ExecShell "open" "${WEBVIEW2_URL}"
  ${Else}
    StrCpy $R9 "  WebView2 runtime: $R0"
    Call WriteLog
  ${EndIf}
  FileClose $Log
SectionEnd

Section "Desktop shortcut" SecDesktop
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
SectionEnd

; A kiosk starts itself at sign-in; the kiosk's own settings are in portdesk.toml (README).
Section /o "Start as a kiosk at sign-in" SecKiosk
  CreateShortcut "$SMSTARTUP\${APP} kiosk.lnk" "$INSTDIR\${EXE}" "--kiosk" "$INSTDIR\${EXE}" 0
SectionEnd

Function .onInit
  ${GetParameters} $R1
  StrCpy $AllUsers 0
  ; NSIS has applied /D= before this runs: a folder given there is kept.
  StrCpy $R4 0
  ${If} $INSTDIR != "$LOCALAPPDATA\Programs\${APP}"
    StrCpy $R4 1
  ${EndIf}
  ClearErrors
  ${GetOptions} $R1 "/ALLUSERS" $R2
  ${IfNot} ${Errors}
    !insertmacro IsAdmin
    ${If} $R0 != 1
      MessageBox MB_ICONSTOP "Installing ${APP} for all users (/ALLUSERS) needs an administrator: start the installer from an elevated prompt (Run as administrator)." /SD IDOK
      SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
      Quit
    ${EndIf}
    StrCpy $AllUsers 1
    SetShellVarContext all
    ${If} $R4 == 0
      StrCpy $INSTDIR "$PROGRAMFILES64\${APP}"
    ${EndIf}
  ${EndIf}
  ; An upgrade goes where the installed version is.
  ${If} $AllUsers == 1
    ReadRegStr $R3 HKLM "${UNINST_KEY}" "InstallLocation"
  ${Else}
    ReadRegStr $R3 HKCU "${UNINST_KEY}" "InstallLocation"
  ${EndIf}
  ${If} $R3 != ""
  ${AndIf} $R4 == 0
    StrCpy $INSTDIR $R3
  ${EndIf}
  ClearErrors
  ${GetOptions} $R1 "/NODESKTOPSHORTCUT" $R2
  ${IfNot} ${Errors}
    !insertmacro UnselectSection ${SecDesktop}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R1 "/KIOSK" $R2
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecKiosk}
  ${EndIf}
FunctionEnd

; ---------------------------------------------------------------------------------------------
; Uninstaller

Var UnAllUsers


Section "un.${APP}" SecUnApp
  SectionIn RO
  ; Must not remove a running program's files half-way.
  ${Do}
    ${IfNot} ${FileExists} "$INSTDIR\${EXE}"
      ${Break}
    ${EndIf}
    ; Windows refuses to open a running program's .exe for writing (a rename would pass):
    ; this tells whether it can be replaced. Nothing is written.
    ClearErrors
    FileOpen $0 "$INSTDIR\${EXE}" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    ${IfNot} ${Cmd} `MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "${APP} is running. Close it, then choose Retry." /SD IDCANCEL IDRETRY`
      Abort "${APP} is running; nothing was removed."
    ${EndIf}
  ${Loop}
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\install.log"
  Delete "$INSTDIR\install-mode"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  Delete "$DESKTOP\${APP}.lnk"
  Delete "$SMSTARTUP\${APP} kiosk.lnk"
  ${If} $UnAllUsers == 1
    DeleteRegKey HKLM "${UNINST_KEY}"
  ${Else}
    DeleteRegKey HKCU "${UNINST_KEY}"
  ${EndIf}
SectionEnd

; Off unless ticked or /DELETEDATA: the data (accounts, the local store, the offline forecast
; journal, settings, logs) outlives a reinstall. Paths: portdesk_core::paths (directories'
; ProjectDirs "com.Portdesk.Portdesk": %LOCALAPPDATA%\Portdesk\Portdesk\data and
; %APPDATA%\Portdesk\Portdesk\config).
Section /o "un.Also delete this Windows user's Portdesk data (accounts, settings, logs)" SecUnData
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\Portdesk"
  RMDir /r "$APPDATA\Portdesk"
  ${If} $UnAllUsers == 1
    ; The machine-wide kiosk config an administrator put there.
    SetShellVarContext all
    RMDir /r "$APPDATA\Portdesk"
  ${EndIf}
SectionEnd

Function un.onInit
  StrCpy $UnAllUsers 0
  ${If} ${FileExists} "$INSTDIR\install-mode"
    StrCpy $UnAllUsers 1
    !insertmacro IsAdmin
    ${If} $R0 != 1
      MessageBox MB_ICONSTOP "${APP} is installed for all users: an administrator must remove it (Run as administrator)." /SD IDOK
      SetErrorLevel 740
      Quit
    ${EndIf}
    SetShellVarContext all
  ${EndIf}
  ${GetParameters} $R1
  ClearErrors
  ${GetOptions} $R1 "/DELETEDATA" $R2
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecUnData}
  ${EndIf}
FunctionEnd
