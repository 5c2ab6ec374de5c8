// The Lua side of the engine glue. lua-redis-wasm runs chunks in a shared, locked-down Lua 5.1 state where no
// script can keep anything between calls. So the driver chunk (HOT) is started once and never returns: it loops,
// taking jobs from the server (vm.ts: the host call that reports a job unwinds, and the next job rewinds into it)
// and keeps what it compiled in its own locals. A script is compiled once per engine, not once per call.
// A host call whose first argument is the loop's token (T, random per engine) is the loop's own: it reports the
// job's outcome ("v" value, "k" compiled, "c" compile error, "l" library list, "n" no such function, "m" source
// needed, "r" an error the script raised), the protocol the script ended with, the result's RESP3 bytes and the
// Lua heap size (INFO used_memory_lua), and its reply is the next job {mode, id, source, function name, numkeys,
// keys..., args...}. The first host call of a loop receives {T, COLD, first job...}. Only an error value that is
// not a string (or running out of memory) ends the loop: the engine reports it as for any chunk, and the next job
// starts a new loop (its cache starts empty).
// Mode "x" (SCRIPT FLUSH, FUNCTION FLUSH) drops what the loop compiled, COLD included (Valkey starts a new Lua
// state).
// The user's script (or function library) is compiled with loadstring under Valkey's chunk name, with a one-line
// prelude (no newline, so line numbers stay the user's) that binds `redis`/`server`, `pcall`, `xpcall`, `error`,
// `string`, `tonumber`, `math`, `coroutine`, KEYS and ARGV to the wrappers and the job's values.
// The wrappers give Valkey's behaviour where the engine's own differs:
//  - numbers passed to redis.call are formatted as Valkey does (integers exactly, others shortest round-trip),
//    not with Lua's lossy "%.14g" (BullMQ's delayed-job scores need all 16 digits);
//  - a failing redis.call raises at its caller's line, as Valkey's C redis.call does (globals.ts makes
//    `return redis.call(...)` a plain call, so that the caller's frame is still there);
//  - errors from redis.call and redis API misuse, and error({err=...}) tables, travel as strings tagged with
//    \1 after the caller's position, so the host can print Valkey's "<err> script: <sha>, on @user_script:N.";
//    pcall/xpcall strip the tag so scripts catch the plain message, as Valkey's pcall does;
//  - redis.error_reply / status_reply / setresp / set_repl / log / breakpoint / debug / replicate_commands /
//    acl_check_cmd and the REPL_* constants follow Valkey's argument checks and texts;
//  - results are encoded to RESP3 here (enc), by Valkey's rules in script_lua.c (luaReplyToRedisReply): typed
//    tables ({double=}, {map=}, ...) at any protocol level, numbers cast as x86-64 casts them, functions as nil.
// The rarely used helpers and the function-library code (COLD) are compiled only when a script touches them.

export const HOT = String.raw`
local R=redis local rp,rs=R.pcall,R.setresp
local er,pc,xp,ty,se,up,tn,rg,nx,ts=error,pcall,xpcall,type,select,unpack,tonumber,rawget,next,tostring
local sf,fl,fd,sb,gs,cc,gc,sr=string.format,math.floor,string.find,string.sub,string.gsub,table.concat,collectgarbage,string.rep
local E='\1' local resp=2
-- A loop starts again after an error value that is not a string: the loop before it is garbage now (see the job
-- loop below).
gc('step',50)
-- The loop's first host call makes the engine's next hook tick, within these 1000 instructions: the host reads
-- this thread's lua_State there, and which C functions xpcall and pcall are (vm.ts scriptLine).
local j xp(function() pc(function() j=rp('') for _=1,1000 do end end) end,er)
local T,C=j[1],j[2] local N=T..'nil'
-- um: a RESP3 reply with its nulls (the marker) made nil. Valkey fills a reply's table element by element and a
-- null is never stored, so a table with nulls is built again the same way: # sees the first hole, as there
-- (MGET of a, missing, b: #t is 1).
local function ism(v) return ty(v)=='table' and rg(v,'ok')==N end
local um
um=function(t) local h=false
for k,v in nx,t do if ty(v)=='table' then if rg(v,'ok')==N then h=true else local u=um(v) if u~=v then t[k]=u end end end end
if not h then return t end
local c,n=#t,{} for i=1,c do local v=rg(t,i) if not ism(v) then n[i]=v end end
for k,v in nx,t do if not (ty(k)=='number' and k>=1 and k<=c and k%1==0) and not ism(v) then n[k]=v end end
return n end
local function nl(r) if ty(r)=='table' then if rg(r,'ok')==N then return nil end if resp==3 then return um(r) end end return r end
-- num: a number as Valkey passes it to a command: an integer within 2^62 exactly (double2ll), anything else as
-- fpconv_dtoa writes it: the shortest digits that read back, in plain notation unless the exponent is far from them
-- (0.00001, 9223372036854776000, 1e+300, 1e-7; the layout of fpconvLayout in src/resp.ts). NaN keeps its sign, as
-- the C library prints it (0/0 is -nan on x86-64 and here).
local function num(v)
if v==fl(v) and v>=-4611686018427387904 and v<=4611686018427387904 then if v==0 then return '0' end return sf('%.0f',v) end
if v~=v then return sf('%f',v) end if v==1/0 then return 'inf' end if v==-1/0 then return '-inf' end
local s for p=(v<2.3e-308 and v>-2.3e-308) and 0 or 14,16 do s=sf('%.'..p..'e',v) if tn(s)==v then break end end
local sg='' if sb(s,1,1)=='-' then sg='-' s=sb(s,2) end
local ep=fd(s,'e',1,true) local E=tn(sb(s,ep+1))
local d=gs(sb(s,1,1)..sb(s,3,ep-1),'0+$','') local n=#d local K=E-n+1 local x=E<0 and -E or E
if K>=0 and x<n+7 then return sg..d..sr('0',K) end
if K<0 and (K>-7 or x<4) then local o=n+K if o<=0 then return sg..'0.'..sr('0',-o)..d end return sg..sb(d,1,o)..'.'..sb(d,o+1) end
return sg..sb(d,1,1)..(n>1 and '.'..sb(d,2,n) or '')..(E<0 and 'e-' or 'e+')..x end
local function cv(...)
local c=se('#',...) if c==0 then return nil,'ERR Please specify at least one argument for this call' end
local t={...} for i=1,c do local y=ty(t[i]) if y=='number' then t[i]=num(t[i]) elseif y~='string' then return nil,'ERR Command arguments must be strings or integers' end end
return t,c end
-- redis.call / redis.pcall. Arguments go to the engine as they came (a vararg call has no C-stack limit:
-- redis.call('lpush', k, unpack(t)) takes thousands, as in Valkey) unless a number needs formatting: the engine
-- prints numbers with "%.14g", exact only for integers below 1e14.
-- Errors are raised at the caller's level: its line is the script's (globals.ts keeps return redis.call(...)
-- from being a tail call, which would lose it).
-- fast: one to five arguments that the engine passes on as they are (strings, integers it prints exactly),
-- looked at without a table or another vararg frame (the common redis.call; checking cost more than the call).
-- (-0 is an integer to Valkey, which prints it as 0; the engine would print -0.)
local function okn(v) return ty(v)=='number' and v%1==0 and v<1e14 and v>-1e14 and (v~=0 or 1/v>0) end
local function fast(c,a,b,d,f,g) return c>0 and c<=5 and (ty(a)=='string' or okn(a)) and (c<2 or ty(b)=='string' or okn(b))
and (c<3 or ty(d)=='string' or okn(d)) and (c<4 or ty(f)=='string' or okn(f)) and (c<5 or ty(g)=='string' or okn(g)) end
local function rq(...)
local c=se('#',...)
if c==0 then return nil,'ERR Please specify at least one argument for this call' end
local t,n={...},false for i=1,c do local v=t[i] local y=ty(v) if y=='number' then if not okn(v) then t[i]=num(v) n=true end elseif y~='string' then return nil,'ERR Command arguments must be strings or integers' end end
if n then return nl(rp(up(t))) end return nl(rp(...)) end
local function call(...)
if fast(se('#',...),...) then local r=rp(...) if ty(r)~='table' then return r end
local e=rg(r,'err') if e~=nil then er(E..e,2) end return nl(r) end
local r,e=rq(...) if e then er(E..e,2) end
if ty(r)=='table' then e=rg(r,'err') if e~=nil then er(E..e,2) end end return r end
local function pcall_(...) if fast(se('#',...),...) then return nl(rp(...)) end local r,e=rq(...) if e then return {err=e} end return r end
-- fx: what pcall / xpcall hand the script: the tag dropped (error(nil) / error(true) travel as \2 and their
-- text, and come back as the value), the engine's marker for a nonexistent global in Valkey's words; xpcall's
-- handler gets the error table ({err=...}) of a failed redis.call or error({err=...}), as Valkey's does.
local function fx(e,t) if ty(e)=='string' then local p=fd(e,E,1,true)
if p then e=sb(e,p+1) if sb(e,1,1)=='\2' then if e=='\2true' then return true elseif e=='\2false' then return false end return nil end
if sb(e,1,1)=='\3' then return sb(e,2) end
if t then return {err=e} end return e end
if fd(e,'__RLUA_E__:',1,true) then e=gs(gs(e,'__RLUA_E__:global%-read:(.*)$',"Script attempted to access nonexistent global variable '%1'"),'__RLUA_E__:command%-arg%-type','Command arguments must be strings or integers') end end return e end
-- math.random / math.randomseed as Valkey's (its lmathlib.c on redisLrand48): one lrand48 sequence per server
-- from the default seed, never reseeded per script; the host steps it (rp(T): the next 31-bit value,
-- rp(T,s): srand48(s)). Arguments are C ints (luaL_checkint); errors are Valkey's texts at the caller's line,
-- naming the function 'random' / 'randomseed', or '?' when pcall calls it directly (Lua's C names the call
-- site, so a local alias would be named by Valkey: local r=math.random r(0) says 'r').
-- l: the level of the caller whose line the error names (the script's function, or pcall).
local function ci(l,n,f,c,v)
if n>c then er("bad argument #"..n.." to '"..f.."' (number expected, got no value)",l) end
local x=tn(v) if x==nil then er("bad argument #"..n.." to '"..f.."' (number expected, got "..ty(v)..")",l) end
if x~=x or x>=9223372036854775808 or x<-9223372036854775808 then return 0 end
x=(x>=0 and fl(x) or -fl(-x))%4294967296 if x>=2147483648 then x=x-4294967296 end return x end
local function rnd(f,l,...)
local r=(rp(T)%2147483647)/2147483647 local c=se('#',...)
if c==0 then return r end
local a,b=...
if c==1 then local u=ci(l+1,1,f,c,a) if u<1 then er("bad argument #1 to '"..f.."' (interval is empty)",l) end return fl(r*u)+1 end
if c==2 then local lo,u=ci(l+1,1,f,c,a),ci(l+1,2,f,c,b) if lo>u then er("bad argument #2 to '"..f.."' (interval is empty)",l) end
local w=(u-lo+1)%4294967296 if w>=2147483648 then w=w-4294967296 end return fl(r*w)+lo end
er('wrong number of arguments',l) end
local function seed(f,l,...) rp(T,ci(l+1,1,f,se('#',...),(...))%4294967296) end
local MI={} for k,v in pairs(math) do MI[k]=v end
local RND,SEED=function(...) local r=rnd('random',3,...) return r end,function(...) seed('randomseed',3,...) end
MI.random=RND MI.randomseed=SEED
local function pr(o,...) if o then return true,... end return false,fx((...)) end
local P=function(f,...) if f==RND then return pr(pc(rnd,'?',2,...)) elseif f==SEED then return pr(pc(seed,'?',2,...)) end return pr(pc(f,...)) end
local X=function(f,h) return xp(f,function(e) return h(fx(e,true)) end) end
local Er=function(e,l) local y=ty(e) if y=='table' then local m=rg(e,'err') y=ty(m) if y=='string' or y=='number' then er(E..m,2) end er(e,0) end
if y=='nil' or y=='boolean' then er(E..'\2'..ts(e),2) end
l=tn(l) or 1
-- Any level but 1 (the caller, whose position Lua adds): a level past the caller may name a frame of the
-- driver's (where Valkey has C, and no position), and Valkey's error names the line of the error call even when
-- the message has no position (level 0: error(e, 0) rethrows). The host reads the stack and gives
-- "<caller's position>\1\3<the position luaL_where would give>", or '?' when it cannot (in a coroutine); \3
-- after the tag is a plain message (fx hands the script the text after it).
if l~=1 and (y=='string' or (y=='number' and l>=2)) then local w=rp(T,'l',l>=2 and fl(l)+1 or 0) if w~='?' then er(w..e,0) end end
if l>0 then l=l+1 end er(e,l) end
local function ro() er('Attempt to modify a readonly table',2) end
local WI={call=call,pcall=pcall_}
WI.setresp=function(...) if se('#',...)~=1 then er(E..'ERR server.setresp() requires one argument.',2) end
local v=tn((...)) or 0 v=v>=0 and fl(v) or -fl(-v) if v~=2 and v~=3 then er(E..'ERR RESP version must be 2 or 3.',2) end resp=v rs(v) end
local K,W
local function cold() if not K then K=loadstring(C)(W,R,E,cv,ro,P,X,Er) end return K end
-- The rarely used redis.* functions, from COLD; its internals (library, format, tonumber) are not redis fields.
local INTERNAL={library=true,format=true,tonumber=true}
setmetatable(WI,{__index=function(_,k) if INTERNAL[k] then return R[k] end local v=cold()[k] if v==nil then return R[k] end return v end})
local function lock(t) return setmetatable({},{__index=t,__newindex=ro,__metatable=false}) end
W=lock(WI)
local SI={} for k,v in pairs(string) do SI[k]=v end
SI.format=function(...) local r=cold().format(...) return r end
local SP=lock(SI)
local TN=function(v,b) if b==nil then return tn(v) end local r=cold().tonumber(v,b) return r end
local MP=lock(MI)
-- coroutine.resume hands the script what the coroutine raised as Valkey's does (fx, as xpcall's handler gets it):
-- redis.call and error({err=...}) errors as {err=...} tables, the engine's coded errors in Valkey's words, not
-- the driver's tagged strings. Argument errors go through COLD (K.resume), which gives them Valkey's name and line.
local resume=coroutine.resume
local function cr(o,...) if o then return true,... end return false,fx((...),true) end
local CI={} for k,v in pairs(coroutine) do CI[k]=v end
CI.resume=function(co,...) if ty(co)=='thread' then return cr(resume(co,...)) end cold().resume(co,...) end
local CP=lock(CI)
local function int(v)
if v~=v or v>=9223372036854775807 or v<-9223372036854775808 then return '-9223372036854775808' end
if v>=0 then v=fl(v) else v=-fl(-v) end if v==0 then return '0' end return sf('%.0f',v) end
local function cl(s) return (gs(s,'[\r\n]',' ')) end
-- d: the Lua stack depth Valkey's C converter would be at; past its 8000-slot limit a value becomes an error,
-- as in Valkey (a table that contains itself gives nested arrays that end in that error).
local enc
enc=function(v,o,d)
if d>7996 then o[#o+1]='-ERR reached lua stack limit\r\n' return end
local t=ty(v)
if t=='string' then o[#o+1]='$'..#v..'\r\n'..v..'\r\n' return end
if t=='number' then o[#o+1]=':'..int(v)..'\r\n' return end
if t=='boolean' then o[#o+1]=v and '#t\r\n' or '#f\r\n' return end
if t~='table' then o[#o+1]='_\r\n' return end
local x=rg(v,'err') if ty(x)=='string' then o[#o+1]='-'..cl(x)..'\r\n' return end
x=rg(v,'ok') if ty(x)=='string' then o[#o+1]='+'..cl(x)..'\r\n' return end
x=rg(v,'double') if ty(x)=='number' then o[#o+1]=','..(x~=x and 'nan' or (x==0 and 1/x<0) and '-0' or num(x))..'\r\n' return end
x=rg(v,'big_number') if ty(x)=='string' then o[#o+1]='('..cl(x)..'\r\n' return end
x=rg(v,'verbatim_string') if ty(x)=='table' then local f,s=rg(x,'format'),rg(x,'string')
if ty(f)=='string' and ty(s)=='string' then o[#o+1]='='..(#s+4)..'\r\n'..sb(f..'   ',1,3)..':'..s..'\r\n' return end end
local h=#o+1 o[h]='' local c=0
x=rg(v,'map') if ty(x)=='table' then for k,y in nx,x do enc(k,o,d+4) enc(y,o,d+3) c=c+1 end o[h]='%'..c..'\r\n' return end
x=rg(v,'set') if ty(x)=='table' then for k in nx,x do enc(k,o,d+3) c=c+1 end o[h]='~'..c..'\r\n' return end
while true do local y=rg(v,c+1) if y==nil then break end enc(y,o,d+1) c=c+1 end o[h]='*'..c..'\r\n' end
local cache,cn={},0
local function keep(id,f) if cn>=1000 then cache,cn={},0 end cache[id]=f cn=cn+1 end
local function out(v) local o={} enc(v,o,2) return cc(o) end
local function job(M,id,S,F,Kt,At)
if M=='x' then cache,cn={},0 K=nil gc('collect') return 'k','' end
if M=='e' or M=='c' then
local f=cache[id]
if not f then
if S=='' then return 'm','' end
local e f,e=loadstring('local redis,server,pcall,xpcall,error,KEYS,ARGV,string,tonumber,math,coroutine=...;'..S,'@user_script')
if not f then return 'c',e end keep(id,f) end
if M=='c' then return 'k','' end
return 'v',out(f(W,W,P,X,Er,Kt,At,SP,TN,MP,CP)) end
if M=='l' then local l,e=cold().library('l',S,SP,TN,MP,CP) if not l then return 'c',e end return 'l',out(l) end
local L=cache[id]
if not L then if S=='' then return 'm','' end local e L,e=cold().library('f',S,SP,TN,MP,CP) if not L then return 'c',e end keep(id,L) end
local fn=L[F] if not fn then return 'n','' end
return 'v',out(fn(Kt,At)) end
-- Every 50 jobs a step of the collector, as Valkey's eval does (LUA_GC_CYCLE_PERIOD): each job leaves its
-- tables behind, and the Lua heap (INFO used_memory_lua) stays flat over many scripts instead of growing
-- until the collector's own pace catches up.
-- The heap size goes with every report, formatted again only once it moved by a KB (string.format costs 0.6 µs
-- in this build, a sixth of a short job).
-- A job runs under xpcall, so that an error raised by a script is reported ("r": "<line>:<message>") and the loop
-- goes on with what it compiled. The handler keeps a string error; the line is asked of the host (read from the
-- stack, as the engine's own handler does) only for the engine's coded errors (__RLUA_E__), the only ones whose
-- line is not in their text. Any other value ends the loop as before: raised again here, the engine turns it
-- into its error value.
local o,gn,hk,hs=3,0,-1,''
local JM,JI,JS,JF,JK,JA,EE,EL
local function rj() return job(JM,JI,JS,JF,JK,JA) end
local function eh(e) if ty(e)=='string' then EE=e EL=fd(e,'__RLUA_E__:',1,true) and rp(T,'w','') or 0 end return e end
while true do
local nk=j[o+4] local Kt,At={},{}
for i=1,nk do Kt[i]=j[o+4+i] end
for i=o+5+nk,#j do At[#At+1]=j[i] end
if resp~=2 then resp=2 rs(2) end
JM,JI,JS,JF,JK,JA,EE=j[o],j[o+1],j[o+2],j[o+3],Kt,At,nil
local q,k,b=xp(rj,eh)
JK,JA=nil,nil
-- (an error leaves more garbage behind than a result: the traceback's strings and the wrappers' tagged copies)
if not q then if EE==nil then er(k,0) end k,b='r',EL..':'..EE EE=nil gn=gn+9 end
-- redis, string, math and coroutine are empty proxies over readonly tables; rawset / table.insert can still write into the
-- proxy itself. Valkey refuses those writes; here they are wiped before the next job sees them.
if nx(W)~=nil or nx(SP)~=nil or nx(MP)~=nil or nx(CP)~=nil then for _,t in ipairs({W,SP,MP,CP}) do for x in nx,t do rawset(t,x,nil) end end end
gn=gn+1 if gn>=50 then gn=0 gc('step',50) end
local kb=gc('count') if kb-hk>=1 or hk-kb>=1 then hk=kb hs=sf('%.0f',kb*1024) end
j=rp(T,k,resp==3 and '3' or '2',b,hs) o=1
end
`;

export const COLD = String.raw`
local W,R,E,cv,ro,P,X,Er=...
local er,ty,se,tn,ts,pairs,fl,fd,sb,gs=error,type,select,tonumber,tostring,pairs,math.floor,string.find,string.sub,string.gsub
local K={}
K.set_repl=function(...)
  if se('#',...)~=1 then er(E..'ERR server.set_repl() requires one argument.',2) end
  local f=tn((...)) or 0
  f=f>=0 and fl(f) or -fl(-f)
  if f<0 or f>3 then er(E..'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.',2) end
end
K.replicate_commands=function() return true end
K.breakpoint=function() return false end
K.debug=function() end
K.log=function(...)
  local c=se('#',...)
  if c<2 then er(E..'ERR server.log() requires two arguments or more.',2) end
  local lv=tn((...))
  if lv==nil then er(E..'ERR First argument must be a number (log level).',2) end
  lv=lv>=0 and fl(lv) or -fl(-lv)
  if lv<0 or lv>3 then er(E..'ERR Invalid log level.',2) end
  local t={...}
  local out=''
  for j=2,c do
    local v=t[j]
    if ty(v)=='string' or ty(v)=='number' then
      if j~=2 then out=out..' ' end
      out=out..ts(v)
    end
  end
  R.log(lv,out)
end
K.sha1hex=function(...)
  if se('#',...)~=1 then er(E..'ERR wrong number of arguments',2) end
  local s=...
  if ty(s)=='number' then s=ts(s) end
  if ty(s)~='string' then s='' end
  return R.sha1hex(s)
end
local function trim(s) return (gs(gs(s,'^[\r\n]+',''),'[\r\n]+$','')) end
K.error_reply=function(...)
  if se('#',...)~=1 or ty((...))~='string' then return {err='ERR wrong number or type of arguments'} end
  local e=...
  if sb(e,1,1)~='-' then e='-'..e end
  local sp=fd(e,' ',1,true)
  local code,msg
  if sp then code,msg=sb(e,2,sp-1),sb(e,sp+1) else code,msg='ERR',sb(e,2) end
  return {err=code..' '..trim(msg)}
end
K.status_reply=function(...)
  if se('#',...)~=1 or ty((...))~='string' then return {err='ERR wrong number or type of arguments'} end
  return {ok=(...)}
end
K.acl_check_cmd=function(...)
  if se('#',...)==0 then er(E..'ERR Please specify at least one argument for this call',2) end
  local t,c=cv(...)
  if not t then er(E..c,2) end
  local r=R.pcall('\1acl_check_cmd',unpack(t,1,c))
  if ty(r)=='table' then er(E..'ERR Invalid command passed to server.acl_check_cmd()',2) end
  return r==1
end
K.REPL_NONE,K.REPL_AOF,K.REPL_SLAVE,K.REPL_REPLICA,K.REPL_ALL=0,1,2,2,3

local FLAGS={['no-writes']=true,['allow-oom']=true,['allow-stale']=true,['no-cluster']=true,['allow-cross-slot-keys']=true}
-- Compile a library and run its body: M 'l' (FUNCTION LOAD) returns the registered list, M 'f' the functions by
-- name. A compile error returns nil, message.
-- KEYS and ARGV do not exist for library code (functions get them as arguments): indexing them fails as a
-- nonexistent global does.
local function nog(n) return setmetatable({},{__newindex=ro,__index=function()
  er("Script attempted to access nonexistent global variable '"..n.."'",2) end}) end
local NK,NA=nog('KEYS'),nog('ARGV')
-- S is the chunk globals.ts made: its global names are fields of the environment table V (first argument).
local function library(M,S,SP,TN,MP,CP)
  local f,e=loadstring(S,'@user_function')
  if not f then return nil,e end
  local fns,list={},{}
  local loading=true
  local function bad(m) er(E..'ERR '..m,3) end
  -- Valkey's luaRegisterFunction: names, keys and flags are strings or numbers (lua_isstring), keys and flags
  -- match case-insensitively; its texts say server.register_function, and an invalid function name gets the
  -- library-name text (functionLibCreateFunction in 8.0).
  local function str(v) local y=ty(v) if y=='string' then return v elseif y=='number' then return ts(v) end end
  local function reg(...)
    if not loading then er(E..'ERR server.register_function can only be called on FUNCTION LOAD command',2) end
    local c=se('#',...)
    local name,cb,flags,desc
    if c==1 then
      local t=...
      if ty(t)~='table' then bad('calling server.register_function with a single argument is only applicable to Lua table (representing named arguments).') end
      for k,v in pairs(t) do
        k=str(k)
        if not k then bad('named argument key given to server.register_function is not a string') end
        k=string.lower(k)
        if k=='function_name' then
          name=str(v)
          if not name then bad('function_name argument given to server.register_function must be a string') end
        elseif k=='description' then
          desc=str(v)
          if not desc then bad('description argument given to server.register_function must be a string') end
        elseif k=='callback' then
          if ty(v)~='function' then bad('callback argument given to server.register_function must be a function') end
          cb=v
        elseif k=='flags' then
          if ty(v)~='table' then bad('flags argument to server.register_function must be a table representing function flags') end
          flags=v
        else
          bad('unknown argument given to server.register_function')
        end
      end
      if not name then bad('server.register_function must get a function name argument') end
      if not cb then bad('server.register_function must get a callback argument') end
    elseif c==2 then
      name,cb=...
      name=str(name)
      if not name then bad('first argument to server.register_function must be a string') end
      if ty(cb)~='function' then bad('second argument to server.register_function must be a function') end
    else
      bad('wrong number of arguments to server.register_function')
    end
    local fl2={}
    if flags then
      local i=1
      while true do
        local v=flags[i]
        if v==nil then break end
        v=str(v) v=v and string.lower(v)
        if not v or not FLAGS[v] then bad('unknown flag given') end
        fl2[#fl2+1]=v
        i=i+1
      end
    end
    if name=='' or fd(name,'[^%w_]') then bad('Library names can only contain letters, numbers, or underscores(_) and must be at least one character long') end
    if fns[name] then bad('Function already exists in the library') end
    fns[name]=cb
    list[#list+1]={name,fl2,desc or false}
  end
  -- While the body runs (FUNCTION LOAD, or compiling the library for FCALL) its globals are redis and server
  -- holding register_function, log and the version fields, as in Valkey; then they are the ordinary globals.
  local LI={register_function=reg,log=K.log,LOG_DEBUG=0,LOG_VERBOSE=1,LOG_NOTICE=2,LOG_WARNING=3,
    REDIS_VERSION=R.REDIS_VERSION,REDIS_VERSION_NUM=R.REDIS_VERSION_NUM,VALKEY_VERSION=R.VALKEY_VERSION,
    VALKEY_VERSION_NUM=R.VALKEY_VERSION_NUM,SERVER_NAME=R.SERVER_NAME}
  local function only(t) return function(_,k) local v=t[k] if v~=nil then return v end
    er("Script attempted to access nonexistent global variable '"..ts(k).."'",2) end end
  local L=setmetatable({},{__newindex=ro,__metatable=false,__index=only(LI)})
  local VM={__newindex=ro,__metatable=false,__index=only({redis=L,server=L})}
  local V=setmetatable({},VM)
  -- Source luaparse could not parse keeps the prelude's locals (globals.ts): the old bindings.
  local B=M=='l' and L or setmetatable({},{__index=setmetatable({register_function=reg},{__index=W}),__newindex=ro,__metatable=false})
  f(V,B,B,P,X,Er,NK,NA,SP,TN,MP,CP)
  loading=false
  -- The ordinary globals, copied (lookups stay in C), without KEYS and ARGV (functions get them as arguments).
  local G={} for k,v in pairs(_G) do G[k]=v end
  G.KEYS=nil G.ARGV=nil G.redis=W G.server=W G.pcall=P G.xpcall=X G.error=Er G.string=SP G.tonumber=TN G.math=MP G.coroutine=CP
  VM.__index=setmetatable(G,{__index=only({})})
  if M=='l' then return list end
  return fns
end
K.library=library

-- lua-redis-wasm is a 32-bit build: string.format's integer conversions and tonumber(s, base) go through a C
-- long of 32 bits, where Valkey on x86-64 has 64. These give Valkey's results for values past 32 bits, including
-- x86-64's cast of NaN and out-of-range numbers to -2^63 (scripts reach them through the string and tonumber
-- the prelude binds; ('%d'):format(x) still goes to the engine's own).
local sfmt,rev,cat,up,ln=string.format,string.reverse,table.concat,unpack,string.len
local P32=4294967296
local DIG='0123456789abcdef'
-- hi*2^32+lo (both in [0, 2^32)) in base b, by long division: every step is exact in a double.
local function limbs(hi,lo,b)
  if hi==0 and lo==0 then return '0' end
  local t={}
  while hi>0 or lo>0 do
    local rh=hi%b hi=(hi-rh)/b
    local cur=rh*P32+lo
    local r=cur%b lo=(cur-r)/b
    t[#t+1]=sb(DIG,r+1,r+1)
  end
  return rev(cat(t))
end
-- The int64 a C cast gives on x86-64 (truncation; NaN and out of range become -2^63), as hi/lo of its two's
-- complement, and its sign.
local function int64(v)
  if v~=v or v>=9223372036854775808 or v<-9223372036854775808 then v=-9223372036854775808
  elseif v>=0 then v=fl(v) else v=-fl(-v) end
  local hi=fl(v/P32) local lo=v-hi*P32
  if hi<0 then hi=hi+P32 end
  return hi,lo,v<0
end
local function conv(flags,width,dot,prec,c,v)
  local hi,lo,neg=int64(v)
  local body,sign,pre='','',''
  if c=='d' or c=='i' then
    if neg then
      -- magnitude of a negative int64: two's complement back
      local mh,ml=P32-1-hi,P32-lo if ml==P32 then ml=0 mh=mh+1 end
      body=limbs(mh,ml,10) sign='-'
    else
      body=limbs(hi,lo,10)
      if fd(flags,'+',1,true) then sign='+' elseif fd(flags,' ',1,true) then sign=' ' end
    end
  else
    body=limbs(hi,lo,(c=='x' or c=='X') and 16 or c=='o' and 8 or 10)
    if c=='X' then body=string.upper(body) end
    if fd(flags,'#',1,true) and body~='0' then
      if c=='x' then pre='0x' elseif c=='X' then pre='0X' elseif c=='o' then body='0'..body end
    end
  end
  local p=tn(prec)
  if dot~='' then
    p=p or 0
    if p==0 and body=='0' then body='' end
    if ln(body)<p then body=string.rep('0',p-ln(body))..body end
  end
  local w=tn(width) or 0
  local n=ln(sign)+ln(pre)+ln(body)
  if n<w then
    if fd(flags,'-',1,true) then body=body..string.rep(' ',w-n)
    elseif fd(flags,'0',1,true) and dot=='' then body=string.rep('0',w-n)..body
    else sign=string.rep(' ',w-n)..sign end
  end
  return sign..pre..body
end
-- The engine's own function, with its errors raised at the script's line under the script's name for it. Level 4:
-- native, K.format / K.tonumber, the HOT stub, the script (none of them tail calls, which would hide a level).
local function native(fn,name,...)
  local r={pcall(fn,...)}
  if r[1] then return up(r,2,table.maxn(r)) end
  local m=gs(ts(r[2]),"to '%?'","to '"..name.."'",1)
  er(m,4)
end
K.format=function(f,...)
  if (ty(f)~='string' and ty(f)~='number') or not fd(f,'%%[-+ #0]*%d*%.?%d*[diouxX]') then local r=native(sfmt,'format',f,...) return r end
  f=ts(f)
  local a,n={...},se('#',...)
  local out,i,ai,changed={},1,0,false
  while true do
    local s,e,flags,width,dot,prec,c=fd(f,'%%([-+ #0]*)(%d*)(%.?)(%d*)(.)',i)
    if not s then break end
    if c~='%' then
      ai=ai+1
      local v=tn(a[ai])
      if v and fd('diouxX',c,1,true) and (v~=v or v<0 and c~='d' and c~='i' or v>=2147483648 or v<-2147483648) then
        out[#out+1]=sb(f,i,s-1) out[#out+1]='%s'
        a[ai]=conv(flags,width,dot,prec,c,v) changed=true
        i=e+1
      else
        out[#out+1]=sb(f,i,e) i=e+1
      end
    else
      out[#out+1]=sb(f,i,e) i=e+1
    end
  end
  local r
  if changed then out[#out+1]=sb(f,i) r=native(sfmt,'format',cat(out),up(a,1,n)) else r=native(sfmt,'format',f,...) end
  return r
end
-- coroutine.resume of anything but a coroutine: always an argument error, raised at the script's line.
K.resume=function(...) native(coroutine.resume,'resume',...) end
K.tonumber=function(v,b)
  local r=native(tn,'tonumber',v,b)
  if r==nil or r<4294967295 then return r end
  -- strtoul of 32 bits saturated: parse again in a double, as a 64-bit strtoul would
  local s=string.lower(string.match(ts(v),'^%s*(.-)%s*$'))
  b=tn(b)
  local n=0
  for k=1,ln(s) do
    local d=fd(DIG,sb(s,k,k),1,true)
    if not d or d>b then return nil end
    n=n*b+d-1
  end
  return n
end
return K
`;
